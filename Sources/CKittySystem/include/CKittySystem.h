#ifndef CKITTY_SYSTEM_H
#define CKITTY_SYSTEM_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (a GNU extension Swift's Glibc module does not export).
int kitty_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory);

#endif
