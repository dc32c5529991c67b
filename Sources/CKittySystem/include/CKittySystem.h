#ifndef CKITTY_SYSTEM_H
#define CKITTY_SYSTEM_H
#include <spawn.h>
#include <stddef.h>

/// posix_spawn_file_actions_addchdir_np (a GNU extension Swift's Glibc module does not export).
int kitty_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory);

/// posix_spawn_file_actions_addclosefrom_np: the child closes every descriptor from `from` on (glibc 2.34+), so
/// agents inherit only stdin, stdout and stderr whatever the parent has open without FD_CLOEXEC.
int kitty_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int from);

/// memmem (a GNU extension too): whether `needle` occurs in `haystack`, at glibc's speed.
int kitty_contains(const void *haystack, size_t haystack_length, const void *needle, size_t needle_length);

#endif
