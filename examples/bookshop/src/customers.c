/*
 * customers.c — the shop's customers: e-mail and country validation, lookup by id or
 * e-mail (case-insensitive), deletion only while they have no orders, and lifetime value.
 */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A deliberately plain check: local@domain.tld, no spaces, one '@', a dot inside the
 * domain that neither starts nor ends it, no empty labels. */
int bs_email_is_valid(const char *email)
{
    if (!email)
        return 0;
    const char *at = strchr(email, '@');
    if (!at || at == email || strchr(at + 1, '@'))
        return 0;
    for (const char *p = email; *p; p++)
        if (isspace((unsigned char)*p) || (unsigned char)*p < 0x21)
            return 0;
    const char *domain = at + 1;
    size_t len = strlen(domain);
    if (len < 3 || !strchr(domain, '.') || domain[0] == '.' || domain[len - 1] == '.' ||
        strstr(domain, ".."))
        return 0;
    return 1;
}

static int valid_country(const char *country)
{
    return country && strlen(country) == 2 && isupper((unsigned char)country[0]) &&
           isupper((unsigned char)country[1]);
}

int bs_customer_add(sqlite3 *db, const char *name, const char *email, const char *country,
                    int64_t *id, bs_error *err)
{
    if (!name || !*name)
        return bs_fail(err, BS_ERR_INVALID, "a customer needs a name");
    if (!bs_email_is_valid(email))
        return bs_fail(err, BS_ERR_INVALID_EMAIL, "\"%s\" is not an e-mail address",
                       email ? email : "");
    if (!valid_country(country))
        return bs_fail(err, BS_ERR_INVALID, "\"%s\" is not a country code (two capitals, e.g. DE)",
                       country ? country : "");
    int rc = bs_execf(db, err, "adding a customer",
                      "INSERT INTO customers (name, email, country) VALUES (trim(?), lower(?), ?)",
                      "ttt", name, email, country);
    if (rc == BS_ERR_DUPLICATE)
        return bs_fail(err, rc, "a customer with e-mail %s already exists", email);
    if (rc == BS_OK && id)
        *id = sqlite3_last_insert_rowid(db);
    return rc;
}

static int fetch_customer(sqlite3 *db, sqlite3_stmt *st, const char *what, bs_customer *out,
                          bs_error *err)
{
    if (!st)
        return err ? err->code : BS_ERR_DB;
    int rc = sqlite3_step(st);
    int result = BS_OK;
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(st, 0);
        bs_copy_col(st, 1, out->name, sizeof out->name);
        bs_copy_col(st, 2, out->email, sizeof out->email);
        bs_copy_col(st, 3, out->country, sizeof out->country);
    } else if (rc == SQLITE_DONE) {
        result = bs_fail(err, BS_ERR_UNKNOWN_CUSTOMER, "no customer %s", what);
    } else {
        result = bs_fail_sql(err, db, "reading a customer");
    }
    bs_finish(st);
    return result;
}

int bs_customer_get(sqlite3 *db, int64_t id, bs_customer *out, bs_error *err)
{
    char what[32];
    snprintf(what, sizeof what, "%lld", (long long)id);
    return fetch_customer(db,
                          bs_prepare(db, err, "SELECT id, name, email, country FROM customers "
                                              "WHERE id = ?",
                                     "i", id),
                          what, out, err);
}

int bs_customer_by_email(sqlite3 *db, const char *email, bs_customer *out, bs_error *err)
{
    return fetch_customer(db,
                          bs_prepare(db, err, "SELECT id, name, email, country FROM customers "
                                              "WHERE email = trim(?)",
                                     "t", email),
                          email, out, err);
}

int bs_customer_delete(sqlite3 *db, int64_t id, bs_error *err)
{
    int rc = bs_execf(db, err, "deleting a customer", "DELETE FROM customers WHERE id = ?", "i",
                      id);
    if (rc == BS_ERR_IN_USE)
        return bs_fail(err, rc, "customer %lld has orders and cannot be deleted", (long long)id);
    if (rc == BS_OK && sqlite3_changes(db) == 0)
        return bs_fail(err, BS_ERR_UNKNOWN_CUSTOMER, "no customer %lld", (long long)id);
    return rc;
}

int bs_customer_lifetime_cents(sqlite3 *db, int64_t id, int64_t *cents, bs_error *err)
{
    bs_customer c;
    int rc = bs_customer_get(db, id, &c, err);
    if (rc != BS_OK)
        return rc;
    return bs_query_int(db, err, cents,
                        "SELECT coalesce(sum(total_cents), 0) FROM orders WHERE customer_id = ? "
                        "AND status IN ('placed', 'paid', 'shipped')",
                        "i", id);
}
