/* tar_index: the member list of a tar file, read from its headers only (the
 * data is skipped with lseek-free arithmetic: each member's data offset and
 * size are recorded, so a member can later be streamed with pread). Knows
 * ustar (prefix + name), GNU long names and links ('L', 'K') and pax
 * extended headers (path, linkpath, size). Private to src/image/. */
#ifndef TAR_INDEX_H
#define TAR_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct tar_entry {
    char *name;      /* normalised: no leading "./", no trailing "/" */
    char *link;      /* link target for hard ('1') and symbolic ('2') links, else NULL */
    char type;       /* '0' regular, '1' hard link, '2' symlink, '5' directory, ... */
    uint64_t offset; /* where the data starts in the file */
    uint64_t size;
} tar_entry;

typedef struct tar_index {
    tar_entry *e;      /* in archive order */
    size_t n;
    const tar_entry **by_name; /* the same entries sorted by name, then archive order */
    uint64_t file_size;
} tar_index;

/* Indexes the tar open as fd (path for messages). 0, or -1 + err saying what
 * is wrong: not a tar, truncated, too many members. */
int tar_index_read(int fd, const char *path, tar_index *out, char *err, size_t errlen);
/* The regular member named name, following hard and symbolic links (at most
 * 16); NULL if there is none. */
const tar_entry *tar_find(const tar_index *t, const char *name);
/* 1 if the first bytes of fd look like a tar header (checksum valid). */
int tar_looks_like(int fd);
/* Frees what tar_index_read allocated (safe on a zeroed struct). */
void tar_index_free(tar_index *t);

#endif
