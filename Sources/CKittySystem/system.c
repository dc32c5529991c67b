#define _GNU_SOURCE
#include <spawn.h>
#include "CKittySystem.h"

int kitty_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *directory) {
  return posix_spawn_file_actions_addchdir_np(actions, directory);
}
