/*
 * my_api.c — the MariaDB Connector/C function table of the MySQL/MariaDB engine
 * (my_api.h): which library files to try, the override variable FORKLESS_LIBMARIADB, how
 * to install the library, the names of the functions the engine calls, and the library's
 * one-time initialisation.  The loading itself is client_lib.c's.
 */
#include "db/my_api.h"

#include "db/client_lib.h"

fl_my_api fl_my;

#define MY_SYMBOL(fn) {#fn, (void **)&fl_my.fn}

static const fl_client_symbol my_symbols[] = {
    MY_SYMBOL(mysql_character_set_name),
    MY_SYMBOL(mysql_close),
    MY_SYMBOL(mysql_errno),
    MY_SYMBOL(mysql_error),
    MY_SYMBOL(mysql_fetch_row),
    MY_SYMBOL(mysql_free_result),
    MY_SYMBOL(mysql_init),
    MY_SYMBOL(mysql_next_result),
    MY_SYMBOL(mysql_num_rows),
    MY_SYMBOL(mysql_optionsv),
    MY_SYMBOL(mysql_real_connect),
    MY_SYMBOL(mysql_real_escape_string),
    MY_SYMBOL(mysql_real_query),
    MY_SYMBOL(mysql_select_db),
    MY_SYMBOL(mysql_server_init),
    MY_SYMBOL(mysql_ssl_set),
    MY_SYMBOL(mysql_store_result),
    MY_SYMBOL(mysql_thread_end),
    MY_SYMBOL(mysql_thread_init),
    {0},
};

/* The versioned names first: the unversioned libmariadb.so exists only with the -dev
 * package. */
static const char *const my_names[] = {
    "libmariadb.so.3", "libmariadb.3.dylib", "libmariadb.dll", "libmariadb.so",
    "libmariadb.dylib", NULL,
};

/* mysql_library_init, which must run before any other call and any thread. */
static const char *initialise_library(void)
{
    return fl_my.mysql_server_init(0, NULL, NULL) == 0 ? NULL : "mysql_library_init failed";
}

static fl_client_lib libmariadb = {
    .title = "libmariadb (MariaDB Connector/C, the MySQL/MariaDB client library)",
    .env_var = "FORKLESS_LIBMARIADB",
    .names = my_names,
    .install_hint = "Debian, Ubuntu: apt-get install libmariadb3; Fedora: dnf install "
                    "mariadb-connector-c; macOS: brew install mariadb-connector-c",
    .symbols = my_symbols,
    .after_load = initialise_library,
};

int fl_my_load(fl_error *err) { return fl_client_lib_load(&libmariadb, err); }
