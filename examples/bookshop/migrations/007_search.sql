-- requires: fts5
-- 007: full-text search over titles, author names and descriptions (FTS5).  Triggers keep
-- the index in step with books, book_authors and authors; the last statement indexes the
-- books that already exist (a data migration).  Skipped by the runner when this SQLite has
-- no FTS5; the application then searches with LIKE.
CREATE VIRTUAL TABLE books_fts USING fts5(title, authors, description,
                                          tokenize = 'unicode61 remove_diacritics 2');

CREATE TRIGGER books_fts_insert AFTER INSERT ON books
BEGIN
    INSERT INTO books_fts (rowid, title, authors, description)
    VALUES (new.id, new.title, '', new.description);
END;

CREATE TRIGGER books_fts_update AFTER UPDATE OF title, description ON books
BEGIN
    UPDATE books_fts SET title = new.title, description = new.description WHERE rowid = new.id;
END;

CREATE TRIGGER books_fts_delete AFTER DELETE ON books
BEGIN
    DELETE FROM books_fts WHERE rowid = old.id;
END;

CREATE TRIGGER books_fts_author_added AFTER INSERT ON book_authors
BEGIN
    UPDATE books_fts
       SET authors = (SELECT group_concat(a.name, ' ') FROM book_authors ba
                        JOIN authors a ON a.id = ba.author_id WHERE ba.book_id = new.book_id)
     WHERE rowid = new.book_id;
END;

CREATE TRIGGER books_fts_author_removed AFTER DELETE ON book_authors
BEGIN
    UPDATE books_fts
       SET authors = coalesce((SELECT group_concat(a.name, ' ') FROM book_authors ba
                                 JOIN authors a ON a.id = ba.author_id
                                WHERE ba.book_id = old.book_id), '')
     WHERE rowid = old.book_id;
END;

CREATE TRIGGER books_fts_author_renamed AFTER UPDATE OF name ON authors
BEGIN
    UPDATE books_fts
       SET authors = (SELECT group_concat(a.name, ' ') FROM book_authors ba
                        JOIN authors a ON a.id = ba.author_id WHERE ba.book_id = books_fts.rowid)
     WHERE rowid IN (SELECT book_id FROM book_authors WHERE author_id = new.id);
END;

INSERT INTO books_fts (rowid, title, authors, description)
SELECT b.id, b.title,
       coalesce((SELECT group_concat(a.name, ' ') FROM book_authors ba
                   JOIN authors a ON a.id = ba.author_id WHERE ba.book_id = b.id), ''),
       b.description
  FROM books b;
