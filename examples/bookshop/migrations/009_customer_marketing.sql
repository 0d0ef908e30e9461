-- 009: marketing consent.  Adds an opt-in flag (off for everybody: consent is never
-- assumed), normalizes stored e-mail addresses to lower case (a data migration for rows
-- written before the application did it) and a view of who may be mailed.
ALTER TABLE customers ADD COLUMN marketing_opt_in INTEGER NOT NULL DEFAULT 0
    CHECK (marketing_opt_in IN (0, 1));

UPDATE customers SET email = lower(trim(email)) WHERE email <> lower(trim(email));

CREATE VIEW v_mailing_list AS
SELECT id, name, email, country FROM customers WHERE marketing_opt_in = 1;
