-- 004: orders.  An order is a cart until placed; then placed → paid → shipped, or
-- cancelled before shipping.  Amounts are in cents; the total always equals
-- subtotal - discount + shipping.  Only a cart's lines can change.
CREATE TABLE discounts (
    code TEXT PRIMARY KEY COLLATE NOCASE,
    kind TEXT NOT NULL CHECK (kind IN ('percent', 'fixed')),
    -- basis points for 'percent' (1000 = 10 %), cents for 'fixed'
    value INTEGER NOT NULL CHECK (value > 0),
    min_subtotal_cents INTEGER NOT NULL DEFAULT 0,
    valid_from TEXT,            -- 'YYYY-MM-DD', inclusive; NULL = always
    valid_until TEXT,           -- 'YYYY-MM-DD', inclusive; NULL = never expires
    max_uses INTEGER,           -- NULL = unlimited
    uses INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0),
    CHECK (kind <> 'percent' OR value <= 10000),
    CHECK (max_uses IS NULL OR uses <= max_uses)
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    status TEXT NOT NULL DEFAULT 'cart'
        CHECK (status IN ('cart', 'placed', 'paid', 'shipped', 'cancelled')),
    discount_code TEXT REFERENCES discounts (code),
    subtotal_cents INTEGER NOT NULL DEFAULT 0 CHECK (subtotal_cents >= 0),
    discount_cents INTEGER NOT NULL DEFAULT 0 CHECK (discount_cents BETWEEN 0 AND subtotal_cents),
    shipping_cents INTEGER NOT NULL DEFAULT 0 CHECK (shipping_cents >= 0),
    total_cents INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    placed_at TEXT,
    paid_at TEXT,
    shipped_at TEXT,
    cancelled_at TEXT,
    CHECK (total_cents = subtotal_cents - discount_cents + shipping_cents),
    CHECK ((status = 'cart') = (placed_at IS NULL) OR status = 'cancelled')
);

CREATE TABLE order_lines (
    order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    book_id INTEGER NOT NULL REFERENCES books (id),
    qty INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 99),
    unit_price_cents INTEGER NOT NULL CHECK (unit_price_cents >= 0),
    line_total_cents INTEGER NOT NULL CHECK (line_total_cents >= 0),
    PRIMARY KEY (order_id, book_id)
) WITHOUT ROWID;

CREATE TRIGGER order_lines_cart_only_insert
BEFORE INSERT ON order_lines
WHEN (SELECT status FROM orders WHERE id = new.order_id) <> 'cart'
BEGIN
    SELECT RAISE(ABORT, 'order_state: only a cart can change');
END;

CREATE TRIGGER order_lines_cart_only_delete
BEFORE DELETE ON order_lines
WHEN (SELECT status FROM orders WHERE id = old.order_id) NOT IN ('cart')
BEGIN
    SELECT RAISE(ABORT, 'order_state: only a cart can change');
END;

-- The allowed status changes, enforced below the application too.
CREATE TRIGGER orders_status_flow
BEFORE UPDATE OF status ON orders
WHEN new.status <> old.status AND NOT (
       (old.status = 'cart' AND new.status IN ('placed', 'cancelled'))
    OR (old.status = 'placed' AND new.status IN ('paid', 'cancelled'))
    OR (old.status = 'paid' AND new.status IN ('shipped', 'cancelled')))
BEGIN
    SELECT RAISE(ABORT, 'order_state: status change not allowed');
END;
