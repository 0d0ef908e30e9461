-- 003: inventory.  stock_movements is an append-only ledger (receive, sale, cancel,
-- adjust); stock_levels holds the running balance, kept by triggers, and can never go
-- below zero: a movement that would overdraw it is refused with 'out_of_stock'.
CREATE TABLE stock_levels (
    book_id INTEGER PRIMARY KEY REFERENCES books (id) ON DELETE CASCADE,
    on_hand INTEGER NOT NULL DEFAULT 0 CHECK (on_hand >= 0)
);

CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY,
    book_id INTEGER NOT NULL REFERENCES books (id),
    delta INTEGER NOT NULL CHECK (delta <> 0),
    reason TEXT NOT NULL CHECK (reason IN ('receive', 'sale', 'cancel', 'adjust')),
    order_id INTEGER,
    note TEXT,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    CHECK ((reason IN ('receive', 'cancel') AND delta > 0)
        OR (reason = 'sale' AND delta < 0)
        OR reason = 'adjust')
);

-- Every book has a stock level from the start.
CREATE TRIGGER books_stock_level
AFTER INSERT ON books
BEGIN
    INSERT INTO stock_levels (book_id, on_hand) VALUES (new.id, 0);
END;

CREATE TRIGGER stock_movements_no_overdraw
BEFORE INSERT ON stock_movements
WHEN (SELECT on_hand FROM stock_levels WHERE book_id = new.book_id) + new.delta < 0
BEGIN
    SELECT RAISE(ABORT, 'out_of_stock: not enough copies on hand');
END;

CREATE TRIGGER stock_movements_apply
AFTER INSERT ON stock_movements
BEGIN
    UPDATE stock_levels SET on_hand = on_hand + new.delta WHERE book_id = new.book_id;
END;

CREATE TRIGGER stock_movements_no_update
BEFORE UPDATE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'invalid: stock movements are append-only');
END;

CREATE TRIGGER stock_movements_no_delete
BEFORE DELETE ON stock_movements
BEGIN
    SELECT RAISE(ABORT, 'invalid: stock movements are append-only');
END;
