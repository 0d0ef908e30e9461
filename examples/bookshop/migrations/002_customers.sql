-- 002: customers and the shipping rates of the countries they live in.  E-mail addresses
-- are unique whatever their case; countries are ISO 3166 alpha-2 codes.
CREATE TABLE customers (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    email TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (email LIKE '%_@_%._%'),
    country TEXT NOT NULL CHECK (length(country) = 2 AND country NOT GLOB '*[^A-Z]*'),
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

-- Shipping per destination; the row '*' applies to every country without its own.
-- free_over_cents NULL: shipping is never free.
CREATE TABLE shipping_rates (
    country TEXT PRIMARY KEY CHECK (country = '*' OR length(country) = 2),
    base_cents INTEGER NOT NULL CHECK (base_cents >= 0),
    free_over_cents INTEGER CHECK (free_over_cents IS NULL OR free_over_cents > 0)
);
