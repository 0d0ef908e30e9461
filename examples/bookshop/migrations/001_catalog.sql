-- 001: the catalog.  Genres, authors, books, and the many-to-many link between books and
-- their authors (with the author's position on the cover).  ISBNs are stored as the 13
-- canonical digits; the application validates the checksum before inserting.
CREATE TABLE genres (
    code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 2 AND 15 AND code NOT GLOB '*[^a-z-]*'),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE authors (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(trim(name)) > 0),
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE books (
    id INTEGER PRIMARY KEY,
    isbn TEXT NOT NULL UNIQUE CHECK (length(isbn) = 13 AND isbn NOT GLOB '*[^0-9]*'),
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    description TEXT NOT NULL DEFAULT '',
    genre TEXT NOT NULL REFERENCES genres (code),
    published_year INTEGER CHECK (published_year IS NULL OR published_year BETWEEN 1450 AND 2100),
    price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
    discontinued INTEGER NOT NULL DEFAULT 0 CHECK (discontinued IN (0, 1)),
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE book_authors (
    book_id INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    position INTEGER NOT NULL DEFAULT 1 CHECK (position >= 1),
    PRIMARY KEY (book_id, author_id)
) WITHOUT ROWID;

-- Every price change is kept, so reports can explain old order lines.
CREATE TABLE price_history (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books (id) ON DELETE CASCADE,
    old_cents INTEGER NOT NULL,
    new_cents INTEGER NOT NULL,
    changed_at TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TRIGGER books_price_history
AFTER UPDATE OF price_cents ON books
WHEN old.price_cents <> new.price_cents
BEGIN
    INSERT INTO price_history (book_id, old_cents, new_cents)
    VALUES (new.id, old.price_cents, new.price_cents);
END;

-- A discontinued book stays discontinued: re-listing means a new edition (a new ISBN).
CREATE TRIGGER books_stay_discontinued
BEFORE UPDATE OF discontinued ON books
WHEN old.discontinued = 1 AND new.discontinued = 0
BEGIN
    SELECT RAISE(ABORT, 'invalid: a discontinued book cannot be re-listed');
END;
