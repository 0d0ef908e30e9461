-- 006: views.  v_catalog is a book as the shop shows it (authors in cover order, stock);
-- v_sales is one row per sold order line (orders that were placed and not cancelled).
CREATE VIEW v_catalog AS
SELECT b.id, b.isbn, b.title, b.genre, b.published_year, b.price_cents, b.discontinued,
       coalesce(s.on_hand, 0) AS on_hand,
       coalesce((SELECT group_concat(name, ', ')
                   FROM (SELECT a.name FROM book_authors ba JOIN authors a ON a.id = ba.author_id
                          WHERE ba.book_id = b.id ORDER BY ba.position, a.name)), '') AS authors
  FROM books b
  LEFT JOIN stock_levels s ON s.book_id = b.id;

CREATE VIEW v_sales AS
SELECT o.id AS order_id, o.customer_id, o.placed_at, substr(o.placed_at, 1, 7) AS month,
       l.book_id, l.qty, l.unit_price_cents, l.line_total_cents
  FROM orders o
  JOIN order_lines l ON l.order_id = o.id
 WHERE o.status IN ('placed', 'paid', 'shipped');

CREATE VIEW v_order_summary AS
SELECT o.id, o.status, o.placed_at, c.name AS customer, c.email, c.country,
       (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) AS lines,
       (SELECT coalesce(sum(qty), 0) FROM order_lines l WHERE l.order_id = o.id) AS items,
       o.subtotal_cents, o.discount_cents, o.shipping_cents, o.total_cents
  FROM orders o
  JOIN customers c ON c.id = o.customer_id;
