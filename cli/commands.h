/*
 * commands.h — the subcommands of the `forkless` command, one file each, all built on
 * the public API only (forkless/forkless.h).
 */
#ifndef FL_CLI_COMMANDS_H
#define FL_CLI_COMMANDS_H

/* `forkless db clone|drop|gc ...`; argv[0] is "db".  Returns the process exit code. */
int fl_cli_db_main(int argc, char **argv);

#endif
