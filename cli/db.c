/*
 * db.c — `forkless db clone|drop|gc`: provisioning clones with forkless alone.  Being written.
 */
#include <stdio.h>

#include "commands.h"

int fl_cli_db_main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "forkless db: not built yet\n");
    return 2;
}
