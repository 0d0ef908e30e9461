-- 005: indexes for the application's lookups and the reports.
CREATE INDEX book_authors_by_author ON book_authors (author_id, book_id);
CREATE INDEX books_by_genre ON books (genre);
CREATE INDEX books_by_title ON books (title COLLATE NOCASE);
CREATE INDEX stock_movements_by_book ON stock_movements (book_id, id);
CREATE INDEX stock_movements_by_order ON stock_movements (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX orders_by_customer ON orders (customer_id, status);
CREATE INDEX orders_by_status_date ON orders (status, placed_at);
CREATE INDEX order_lines_by_book ON order_lines (book_id);
CREATE INDEX price_history_by_book ON price_history (book_id, id);
