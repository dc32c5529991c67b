#ifndef CKITTY_SHIMS_H
#define CKITTY_SHIMS_H
#include <stddef.h>

/// Allow-lists extra repository extensions (git_libgit2_opts is variadic, so Swift cannot call it).
int kitty_set_extensions(const char **extensions, size_t count);
/// Turns libgit2's safe.directory owner validation on (1) or off (0).
int kitty_set_owner_validation(int enabled);
/// Turns object hash verification on read (1) or off (0).
int kitty_set_strict_hash_verification(int enabled);
/// Turns creation-time object validation on (1) or off (0).
int kitty_set_strict_object_creation(int enabled);
/// Enables (1) or disables (0) fsync of loose objects, packs and refs (GIT_OPT_ENABLE_FSYNC_GITDIR).
int kitty_set_fsync_gitdir(int enabled);

#endif
