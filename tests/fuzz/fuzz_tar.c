/* fuzz_tar: libFuzzer target for the tar indexer (src/image/tar_index.c) and
 * the opener of users' images over it (rb_image_open, open_image.c): each
 * input is written to a memory file and opened as a tar. The indexer must
 * never crash, leak or hang; on success every member's data lies inside the
 * file and tar_find returns only regular members; on failure the message is
 * non-empty and the index is empty. rb_image_open of the same file must
 * either fail with a message or return exactly one of an image and an index
 * whose FILE blobs lie inside the file. Built by tests/fuzz/CMakeLists.txt
 * (-DREGBENCH_FUZZ=ON, clang); see README.md. */
#include "image/tar_index.h"
#include "image/rb_open.h"
#include "util/rb_util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_blob(const rb_blob *b, uint64_t file_size)
{
    if (b->kind == RB_BLOB_FILE && (b->offset > file_size || b->size > file_size - b->offset))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_tar", MFD_CLOEXEC);
    if (fd < 0)
        return 0;
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(fd, data + done, size - done);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    tar_index t;
    char err[512] = "";
    if (tar_index_read(fd, "fuzz.tar", &t, err, sizeof err) == 0) {
        for (size_t i = 0; i < t.n; i++) {
            const tar_entry *e = &t.e[i];
            if (e->offset > size || e->size > size - e->offset)
                abort();
            const tar_entry *f = tar_find(&t, e->name);
            if (f && f->type != '0' && f->type != '7')
                abort();
        }
        tar_find(&t, "index.json");
        tar_find(&t, "manifest.json");
        tar_index_free(&t);
    } else if (!err[0] || t.n != 0 || t.e != NULL) {
        abort();
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    rb_opened o;
    err[0] = '\0';
    if (rb_image_open(path, NULL, &o, err, sizeof err) == 0) {
        if (!o.image == !o.index)
            abort();
        const rb_image *img = o.image;
        for (size_t k = 0; img ? k < 1 : (o.index && k < o.index->n_images); k++) {
            const rb_image *im = img ? img : o.index->images[k];
            for (size_t i = 0; i < im->n_layers; i++)
                check_blob(&im->layers[i], size);
        }
        rb_opened_free(&o);
    } else if (!err[0] || o.image || o.index) {
        abort();
    }
    close(fd);
    return 0;
}
