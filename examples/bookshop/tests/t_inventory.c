/*
 * t_inventory.c — stock (src/inventory.c and the ledger triggers): receipts, manual
 * adjustments, and the invariant that every stock level equals the sum of its ledger.
 */
#include "common.h"

FL_TEST(inventory_receive, adds_to_on_hand)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Dune"), on_hand = 0;
    OK(bs_stock_receive(db, id, 15, &terr));
    OK(bs_stock_on_hand(db, id, &on_hand, &terr));
    FL_ASSERT_EQ_INT(on_hand, 75);
    close_test_db(db);
}

FL_TEST(inventory_receive, writes_one_receive_movement)
{
    sqlite3 *db = open_test_db();
    int64_t id = new_book(db, "Fresh Stock", 500, 0);
    OK(bs_stock_receive(db, id, 12, &terr));
    OK(bs_stock_receive(db, id, 3, &terr));
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT group_concat(reason || ':' || delta, ' ') FROM "
                                  "(SELECT reason, delta FROM stock_movements WHERE book_id = %lld "
                                  "ORDER BY id)",
                              (long long)id),
                     "receive:12 receive:3");
    close_test_db(db);
}

FL_TEST(inventory_receive, quantity_must_be_positive)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Dune");
    FAILS(BS_ERR_INVALID_QUANTITY, bs_stock_receive(db, id, 0, &terr));
    FAILS(BS_ERR_INVALID_QUANTITY, bs_stock_receive(db, id, -3, &terr));
    FL_ASSERT_CONTAINS(terr.msg, "-3");
    close_test_db(db);
}

FL_TEST(inventory_receive, unknown_book)
{
    sqlite3 *db = open_test_db();
    FAILS(BS_ERR_NOT_FOUND, bs_stock_receive(db, 99999999, 1, &terr));
    int64_t on_hand = 0;
    FAILS(BS_ERR_NOT_FOUND, bs_stock_on_hand(db, 99999999, &on_hand, &terr));
    close_test_db(db);
}

FL_TEST(inventory_receive, fixture_stock_levels)
{
    sqlite3 *db = open_test_db();
    static const struct {
        const char *title;
        int on_hand;
    } expected[] = {{"Good Omens", 40}, {"Dune", 60}, {"The Very Hungry Caterpillar", 100},
                    {"Rare Edition", 1}, {"Empty Shelf", 0}, {"Out of Print Classic", 0}};
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        int64_t on_hand = -1;
        OK(bs_stock_on_hand(db, fx_book(db, expected[i].title), &on_hand, &terr));
        if (on_hand != expected[i].on_hand)
            FL_FAIL("%s: %lld on hand, expected %d", expected[i].title, (long long)on_hand,
                    expected[i].on_hand);
    }
    close_test_db(db);
}

FL_TEST(inventory_adjust, negative_correction)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Good Omens"), on_hand = 0;
    OK(bs_stock_adjust(db, id, -3, "water damage", &terr));
    OK(bs_stock_on_hand(db, id, &on_hand, &terr));
    FL_ASSERT_EQ_INT(on_hand, 37);
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT note FROM stock_movements WHERE book_id = %lld AND "
                                  "reason = 'adjust'",
                              (long long)id),
                     "water damage");
    close_test_db(db);
}

FL_TEST(inventory_adjust, positive_correction)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Empty Shelf"), on_hand = 0;
    OK(bs_stock_adjust(db, id, 2, "found in the back room", &terr));
    OK(bs_stock_on_hand(db, id, &on_hand, &terr));
    FL_ASSERT_EQ_INT(on_hand, 2);
    close_test_db(db);
}

FL_TEST(inventory_adjust, cannot_go_below_zero)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Rare Edition"), on_hand = 0;
    FAILS(BS_ERR_OUT_OF_STOCK, bs_stock_adjust(db, id, -2, "miscount", &terr));
    FL_ASSERT_CONTAINS(terr.msg, "negative stock");
    OK(bs_stock_on_hand(db, id, &on_hand, &terr));
    FL_ASSERT_EQ_INT(on_hand, 1);
    OK(bs_stock_adjust(db, id, -1, "sold at the fair", &terr));
    OK(bs_stock_on_hand(db, id, &on_hand, &terr));
    FL_ASSERT_EQ_INT(on_hand, 0);
    close_test_db(db);
}

FL_TEST(inventory_adjust, needs_a_note_and_a_delta)
{
    sqlite3 *db = open_test_db();
    int64_t id = fx_book(db, "Dune");
    FAILS(BS_ERR_INVALID, bs_stock_adjust(db, id, 1, "", &terr));
    FAILS(BS_ERR_INVALID, bs_stock_adjust(db, id, 1, NULL, &terr));
    FAILS(BS_ERR_INVALID_QUANTITY, bs_stock_adjust(db, id, 0, "nothing", &terr));
    FAILS(BS_ERR_NOT_FOUND, bs_stock_adjust(db, 99999999, 1, "ghost", &terr));
    close_test_db(db);
}

FL_TEST(inventory_ledger, level_equals_ledger_sum_for_every_book)
{
    sqlite3 *db = open_test_db();
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM stock_levels s WHERE on_hand <> "
                                 "(SELECT coalesce(sum(delta), 0) FROM stock_movements m "
                                 "WHERE m.book_id = s.book_id)"),
                     0);
    close_test_db(db);
}

FL_TEST(inventory_ledger, ledger_sum_helper_agrees)
{
    sqlite3 *db = open_test_db();
    int64_t ids[] = {fx_book(db, "Dune"), fx_book(db, "Good Omens"), fx_book(db, "Empty Shelf")};
    for (int i = 0; i < 3; i++) {
        int64_t on_hand = 0, sum = 0;
        OK(bs_stock_on_hand(db, ids[i], &on_hand, &terr));
        OK(bs_stock_ledger_sum(db, ids[i], &sum, &terr));
        FL_ASSERT_EQ_INT(on_hand, sum);
    }
    close_test_db(db);
}

FL_TEST(inventory_ledger, sales_in_history_match_sold_lines)
{
    sqlite3 *db = open_test_db();
    /* Every placed order took its stock once, every cancelled one gave it back once. */
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT -coalesce(sum(delta), 0) FROM stock_movements "
                                 "WHERE reason = 'sale'"),
                     sql_int(db, "SELECT sum(qty) FROM order_lines l JOIN orders o ON "
                                 "o.id = l.order_id WHERE o.status <> 'cart'"));
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT coalesce(sum(delta), 0) FROM stock_movements "
                                 "WHERE reason = 'cancel'"),
                     sql_int(db, "SELECT sum(qty) FROM order_lines l JOIN orders o ON "
                                 "o.id = l.order_id WHERE o.status = 'cancelled'"));
    close_test_db(db);
}

FL_TEST(inventory_ledger, every_movement_after_a_mixed_day)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Busy Day", 1000, 20);
    int64_t customer = new_customer(db, "DE");
    int64_t o1 = new_order(db, customer, book, 5, NULL, NULL);
    new_order(db, customer, book, 4, NULL, NULL);
    OK(bs_stock_adjust(db, book, -1, "shelf wear", &terr));
    OK(bs_order_cancel(db, o1, &terr));
    OK(bs_stock_receive(db, book, 10, &terr));
    FL_ASSERT_EQ_STR(sql_text(db, "SELECT group_concat(reason || ':' || delta, ' ') FROM "
                                  "(SELECT reason, delta FROM stock_movements WHERE book_id = %lld "
                                  "ORDER BY id)",
                              (long long)book),
                     "receive:20 sale:-5 sale:-4 adjust:-1 cancel:5 receive:10");
    int64_t on_hand = 0;
    OK(bs_stock_on_hand(db, book, &on_hand, &terr));
    FL_ASSERT_EQ_INT(on_hand, 25);
    close_test_db(db);
}

FL_TEST(inventory_ledger, movements_name_their_order)
{
    sqlite3 *db = open_test_db();
    int64_t book = new_book(db, "Traceable", 1000, 5);
    int64_t order = new_order(db, new_customer(db, "DE"), book, 2, NULL, NULL);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT order_id FROM stock_movements WHERE book_id = %lld AND "
                                 "reason = 'sale'",
                             (long long)book),
                     order);
    FL_ASSERT_EQ_INT(sql_int(db, "SELECT count(*) FROM stock_movements WHERE reason = 'receive' "
                                 "AND order_id IS NOT NULL"),
                     0);
    close_test_db(db);
}
