/* gen_bench: how fast the generator makes a unique layer with both digests,
 * against the time OpenSSL (EVP, one thread) takes to SHA-256 the same number
 * of bytes (compressed + uncompressed), measured in the same run, for gzip
 * levels 0, 1, 6, 9, plain tar and zstd levels 1, 3, 19. The target (issue 3)
 * is a ratio of at most 1.5. Also reports streaming throughput (rb_layer_read
 * into a 1 MiB buffer, what an upload does) and peak RSS.
 * usage: gen_bench [SIZE (default 1GB)] [--quick] [--only gzip|zstd] */
#include "image/rb_gen.h"
#include "util/rb_util.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static double sha_seconds(uint64_t bytes)
{
    size_t n = 16u << 20;
    unsigned char *buf = rb_malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (unsigned char)(i * 2654435761u >> 13);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint64_t t0 = rb_now_us();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (uint64_t done = 0; done < bytes;) {
        size_t k = bytes - done < n ? (size_t)(bytes - done) : n;
        EVP_DigestUpdate(ctx, buf, k);
        done += k;
    }
    unsigned char md[32];
    unsigned mdlen;
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    double s = (double)(rb_now_us() - t0) / 1e6;
    EVP_MD_CTX_free(ctx);
    free(buf);
    return s;
}

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    uint64_t size = 1000000000ULL;
    int quick = 0;
    const char *only = NULL;
    char err[RB_ERRLEN];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            quick = 1;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc &&
                 (strcmp(argv[i + 1], "gzip") == 0 || strcmp(argv[i + 1], "zstd") == 0))
            only = argv[++i];
        else if (strcmp(argv[i], "--only") == 0) {
            fprintf(stderr, "gen_bench: --only: use gzip or zstd\n");
            return 2;
        } else if (rb_parse_size(argv[i], &size, err, sizeof err) < 0) {
            fprintf(stderr, "gen_bench: %s\n", err);
            return 2;
        }
    }
    rb_gen_set_cache_dir(""); /* measure generation, not the cache */
    static const double cs[] = {0.0, 0.5};
    static const struct { rb_compression comp; int level; } rows[] = {
        {RB_COMP_GZIP, 0}, {RB_COMP_GZIP, 1}, {RB_COMP_GZIP, 6}, {RB_COMP_GZIP, 9}, {RB_COMP_GZIP, RB_GEN_NONE},
        {RB_COMP_ZSTD, 1}, {RB_COMP_ZSTD, 3}, {RB_COMP_ZSTD, 19},
    };
    printf("%-5s %-6s %-5s %12s %12s %9s %9s %7s %10s %9s\n", "comp", "level", "c", "stored", "tar", "gen_s",
           "sha_s", "ratio", "stream_MB/s", "maxrss_MB");
    int fails = 0;
    uint64_t seed = 1000;
    for (size_t a = 0; a < sizeof cs / sizeof *cs; a++)
        for (size_t b = 0; b < sizeof rows / sizeof *rows; b++) {
            const char *name = rb_compression_name(rows[b].comp, rows[b].level);
            if (only && strcmp(only, rows[b].comp == RB_COMP_ZSTD ? "zstd" : "gzip") != 0)
                continue; /* (plain tar counts with gzip, as before zstd) */
            rb_layer_params p;
            rb_layer_params_init(&p);
            p.size = size;
            p.compression = rows[b].comp;
            p.level = rows[b].level;
            p.compressibility = cs[a];
            p.seed = seed++;
            uint64_t t0 = rb_now_us();
            rb_layer *l = rb_layer_new(&p, err, sizeof err);
            double gen = (double)(rb_now_us() - t0) / 1e6;
            if (!l) {
                fprintf(stderr, "gen_bench: %s\n", err);
                return 1;
            }
            const rb_layer_info *in = rb_layer_get_info(l);
            double sha = sha_seconds(in->size + in->uncompressed_size);
            double stream = 0;
            if (!quick) {
                unsigned char *buf = rb_malloc(1 << 20);
                rb_layer_reader *r = rb_layer_reader_open(l, 0);
                t0 = rb_now_us();
                uint64_t tot = 0;
                size_t n;
                while ((n = rb_layer_read(r, buf, 1 << 20)) > 0)
                    tot += n;
                stream = (double)tot / 1e6 / ((double)(rb_now_us() - t0) / 1e6);
                rb_layer_reader_close(r);
                free(buf);
            }
            char lv[8];
            if (rows[b].level == RB_GEN_NONE)
                snprintf(lv, sizeof lv, "-");
            else
                snprintf(lv, sizeof lv, "%d", rows[b].level);
            double ratio = gen / sha;
            if (ratio > 1.5)
                fails++;
            printf("%-5s %-6s %-5.2f %12llu %12llu %9.3f %9.3f %7.2f %10.0f %9.1f\n", name, lv, cs[a],
                   (unsigned long long)in->size, (unsigned long long)in->uncompressed_size, gen, sha, ratio,
                   stream, (double)rss_kb() / 1024.0);
            fflush(stdout);
            rb_layer_unref(l);
        }
    printf("peak RSS %.1f MB; %d row(s) above the 1.5 target\n", (double)rss_kb() / 1024.0, fails);
    return fails ? 1 : 0;
}
