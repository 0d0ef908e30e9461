-- 008: reference data (a data migration): the genres the shop sells, shipping rates and
-- the discount codes marketing has announced.
INSERT INTO genres (code, name) VALUES
    ('fiction', 'Fiction'),
    ('crime', 'Crime & Thrillers'),
    ('scifi', 'Science Fiction'),
    ('fantasy', 'Fantasy'),
    ('history', 'History'),
    ('science', 'Popular Science'),
    ('computing', 'Computing'),
    ('cooking', 'Food & Drink'),
    ('children', 'Children''s Books'),
    ('poetry', 'Poetry');

INSERT INTO shipping_rates (country, base_cents, free_over_cents) VALUES
    ('*', 1500, NULL),          -- the rest of the world: 15.00, never free
    ('DE', 395, 2900),          -- home market: 3.95, free from 29.00
    ('AT', 595, 4900),
    ('FR', 695, 4900),
    ('NL', 695, 4900),
    ('CH', 990, 9900),
    ('GB', 990, 9900),
    ('US', 1290, NULL);

INSERT INTO discounts (code, kind, value, min_subtotal_cents, valid_from, valid_until, max_uses) VALUES
    ('WELCOME10', 'percent', 1000, 0, NULL, NULL, NULL),
    ('FIVEOFF', 'fixed', 500, 3000, NULL, NULL, NULL),
    ('BIGSPENDER', 'percent', 1500, 10000, NULL, NULL, NULL),
    ('SUMMER23', 'percent', 2000, 0, '2023-06-01', '2023-08-31', NULL),
    ('LAUNCH', 'fixed', 1000, 2000, NULL, NULL, 3),
    ('FREEBOOK', 'fixed', 100000, 0, '2020-01-01', NULL, NULL);
