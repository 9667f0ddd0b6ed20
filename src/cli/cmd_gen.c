/* cmd_gen: `regbench gen`, which generates synthetic images and writes them
 * as an OCI image layout so that other clients (skopeo, crane, oras) can push
 * exactly the same images. Image i is named "image-<i>" (ref.name); its first
 * --shared layers are common to all images, the others are unique. */
#include "cli/rb_cli.h"
#include "args.h"
#include "image/rb_gen.h"
#include "util/rb_util.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_BAD_INPUT 2

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: regbench gen --out DIR [options]\n"
            "  --out DIR              OCI image layout to write (created if missing)\n"
            "  --images N             number of images (default 1)\n"
            "  --layers N             layers per image, shared ones included (default 3)\n"
            "  --layer-size S         stored (compressed) size of each layer, e.g. 10MB, 1MiB (default 1MiB)\n"
            "  --compression C        gzip, zstd, or none for plain tar (default gzip); a digit 0-9\n"
            "                         means gzip at that level\n"
            "  --level L              compression level: gzip 0-9 (default 6), zstd 1-19 (default 3)\n"
            "  --compressibility C    0.0-1.0, fraction of layer bytes that compress away (default 0.5)\n"
            "  --files N              files per layer (default: size/4MiB, 1..64)\n"
            "  --shared K             first K layers are shared by all images (default 0)\n"
            "  --seed S               seed; same flags + seed = same bytes (default 0)\n"
            "  --format oci|docker    manifest and config format (default oci; docker takes no zstd)\n"
            "  --platform P           os/arch[/variant] (default linux/amd64)\n"
            "  --cache DIR            digest cache directory (default $XDG_CACHE_HOME/regbench;\n"
            "                         \"\" disables it)\n"
            "  --quiet, -q            no progress on stderr\n"
            "  -h, --help             this text\n"
            "Options take --name VALUE or --name=VALUE.\n"
            "Exit codes: 0 written, 1 generation or writing failed, 2 bad input (docs/cli.md).\n");
}

static const rb_opt GEN_OPTS[] = {
    {"--out", 1, NULL},         {"--images", 1, NULL},          {"--layers", 1, NULL}, {"--layer-size", 1, NULL},
    {"--compression", 1, NULL}, {"--compressibility", 1, NULL}, {"--files", 1, NULL},  {"--shared", 1, NULL},
    {"--seed", 1, NULL},        {"--format", 1, NULL},          {"--platform", 1, NULL}, {"--cache", 1, NULL},
    {"--level", 1, NULL},       {"--quiet", 0, "-q"},           {NULL, 0, NULL},
};

/* Parses a non-negative integer flag within [min, max]. */
static int parse_count(const char *flag, const char *s, long long min, long long max, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        fprintf(stderr, "regbench gen: %s: \"%s\" is not accepted; use a whole number from %lld to %lld\n",
                flag, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

typedef struct progress {
    uint64_t total, start, last;
    int quiet;
} progress;

static void on_progress(void *ctx, uint64_t done)
{
    progress *p = ctx;
    uint64_t now = rb_now_us();
    if (p->quiet || now - p->last < 1000000)
        return;
    p->last = now;
    char a[32], b[32];
    rb_format_bytes((double)done, a, sizeof a);
    rb_format_bytes((double)p->total, b, sizeof b);
    fprintf(stderr, "regbench gen: wrote %s of %s (%.0f%%)\n", a, b,
            p->total ? 100.0 * (double)done / (double)p->total : 100.0);
}

int rb_cmd_gen(int argc, char **argv)
{
    const char *out = NULL, *platform = "linux/amd64";
    long long images = 1, layers = 3, shared = 0, files = 0;
    uint64_t layer_size = 1u << 20, seed = 0;
    int level = RB_GZIP_DEFAULT_LEVEL, quiet = 0;
    long long level_flag = -1; /* --level, applied after --compression whatever their order */
    rb_compression comp = RB_COMP_GZIP;
    double compressibility = 0.5;
    rb_format format = RB_FORMAT_OCI;
    char err[RB_ERRLEN];
    rb_args args;
    rb_args_init(&args, "gen", argc, argv, GEN_OPTS);
    const rb_opt *opt;
    const char *val;
    for (int kind; (kind = rb_args_next(&args, &opt, &val, err, sizeof err)) != RB_ARG_END;) {
        if (kind == RB_ARG_ERR) {
            fprintf(stderr, "regbench gen: %s (see regbench gen --help)\n", err);
            return EXIT_BAD_INPUT;
        }
        if (kind == RB_ARG_HELP) { usage(stdout); return 0; }
        if (kind == RB_ARG_POS) {
            fprintf(stderr, "regbench gen: unexpected argument \"%s\" (see regbench gen --help)\n", val);
            return EXIT_BAD_INPUT;
        }
        const char *name = opt->name;
        if (!strcmp(name, "--out")) {
            out = val;
        } else if (!strcmp(name, "--images")) {
            if (parse_count("--images", val, 1, 100000, &images) < 0) return EXIT_BAD_INPUT;
        } else if (!strcmp(name, "--layers")) {
            if (parse_count("--layers", val, 1, 10000, &layers) < 0) return EXIT_BAD_INPUT;
        } else if (!strcmp(name, "--shared")) {
            if (parse_count("--shared", val, 0, 10000, &shared) < 0) return EXIT_BAD_INPUT;
        } else if (!strcmp(name, "--files")) {
            if (parse_count("--files", val, 1, RB_GEN_MAX_FILES, &files) < 0) return EXIT_BAD_INPUT;
        } else if (!strcmp(name, "--seed")) {
            long long v;
            if (parse_count("--seed", val, 0, LLONG_MAX, &v) < 0)
                return EXIT_BAD_INPUT;
            seed = (uint64_t)v;
        } else if (!strcmp(name, "--layer-size")) {
            if (rb_parse_size(val, &layer_size, err, sizeof err) < 0 || layer_size == 0) {
                fprintf(stderr, "regbench gen: --layer-size: \"%s\" is not accepted; %s\n", val,
                        layer_size == 0 ? "use a size above 0, e.g. 10MB or 1MiB" : err);
                return EXIT_BAD_INPUT;
            }
        } else if (!strcmp(name, "--compression")) {
            if (rb_parse_compression(val, &comp, &level, err, sizeof err) < 0) {
                fprintf(stderr, "regbench gen: --%s\n", err);
                return EXIT_BAD_INPUT;
            }
        } else if (!strcmp(name, "--level")) {
            if (parse_count("--level", val, 0, 99, &level_flag) < 0) return EXIT_BAD_INPUT;
        } else if (!strcmp(name, "--compressibility")) {
            char *end;
            errno = 0;
            compressibility = strtod(val, &end);
            if (errno || end == val || *end || !(compressibility >= 0.0 && compressibility <= 1.0)) {
                fprintf(stderr, "regbench gen: --compressibility: \"%s\" is not accepted; use a fraction "
                                "from 0.0 to 1.0\n", val);
                return EXIT_BAD_INPUT;
            }
        } else if (!strcmp(name, "--format")) {
            if (strcmp(val, "oci") == 0)
                format = RB_FORMAT_OCI;
            else if (strcmp(val, "docker") == 0)
                format = RB_FORMAT_DOCKER;
            else {
                fprintf(stderr, "regbench gen: --format: \"%s\" is not accepted; use oci or docker\n", val);
                return EXIT_BAD_INPUT;
            }
        } else if (!strcmp(name, "--platform")) {
            char os[32], arch[32], var[32];
            if (rb_parse_platform(val, os, arch, var, err, sizeof err) < 0) {
                fprintf(stderr, "regbench gen: --%s\n", err);
                return EXIT_BAD_INPUT;
            }
            platform = val;
        } else if (!strcmp(name, "--cache")) {
            rb_gen_set_cache_dir(val);
        } else if (!strcmp(name, "--quiet")) {
            quiet = 1;
        }
    }
    if (!out) {
        fprintf(stderr, "regbench gen: --out DIR is required\n");
        usage(stderr);
        return EXIT_BAD_INPUT;
    }
    if (level_flag >= 0) {
        if (level == RB_GEN_NONE) {
            fprintf(stderr, "regbench gen: --level: %lld is not accepted with --compression none (a plain tar "
                            "has no level); leave --level out or use --compression gzip or zstd\n", level_flag);
            return EXIT_BAD_INPUT;
        }
        level = (int)level_flag;
    }
    if (rb_check_level(comp, level, err, sizeof err) < 0) {
        fprintf(stderr, "regbench gen: %s (--compression, --level)\n", err);
        return EXIT_BAD_INPUT;
    }
    if (format == RB_FORMAT_DOCKER && comp == RB_COMP_ZSTD && level != RB_GEN_NONE) {
        fprintf(stderr, "regbench gen: --compression zstd is not accepted with --format docker: Docker schema 2 "
                        "has no zstd layer media type; use --format oci, or --compression gzip or none\n");
        return EXIT_BAD_INPUT;
    }
    if (shared > layers) {
        fprintf(stderr, "regbench gen: --shared: %lld is more than --layers %lld; use 0 to %lld\n", shared,
                layers, layers);
        return EXIT_BAD_INPUT;
    }
    if (rb_mkdir_p(out) < 0 || access(out, W_OK) != 0) {
        fprintf(stderr, "regbench gen: --out: cannot write to \"%s\": %s; use a writable directory\n", out,
                strerror(errno));
        return EXIT_BAD_INPUT;
    }
    /* Validate the layer settings once, with the CLI's flag names. */
    rb_layer_params lp;
    rb_layer_params_init(&lp);
    lp.size = layer_size;
    lp.level = level;
    lp.compression = comp;
    lp.compressibility = compressibility;
    lp.files = (int)files;
    if (rb_layer_params_check(&lp, err, sizeof err) < 0) {
        fprintf(stderr, "regbench gen: %s\n", err);
        return EXIT_BAD_INPUT;
    }

    uint64_t t0 = rb_now_us();
    int rc = 1;
    rb_layer **common = rb_calloc((size_t)shared + 1, sizeof *common);
    rb_image **imgs = rb_calloc((size_t)images, sizeof *imgs);
    char **refs = rb_calloc((size_t)images, sizeof *refs);
    long long made_shared = 0, made_imgs = 0, cached = 0, layers_made = 0;
    for (; made_shared < shared; made_shared++) {
        lp.seed = rb_gen_derive_seed(seed ^ 0x5348415245ULL, (uint64_t)made_shared);
        common[made_shared] = rb_layer_new(&lp, err, sizeof err);
        if (!common[made_shared]) {
            fprintf(stderr, "regbench gen: --layer-size: %s\n", err);
            rc = EXIT_BAD_INPUT;
            goto out;
        }
        cached += rb_layer_from_cache(common[made_shared]);
        layers_made++;
    }
    uint64_t total_bytes = 0;
    for (; made_imgs < images; made_imgs++) {
        rb_image_params ip;
        rb_image_params_init(&ip);
        ip.format = format;
        ip.layers = (size_t)layers;
        ip.layer_size = layer_size;
        ip.level = level;
        ip.compression = comp;
        ip.compressibility = compressibility;
        ip.files = (int)files;
        ip.seed = rb_gen_derive_seed(seed, (uint64_t)made_imgs);
        ip.shared = common;
        ip.n_shared = (size_t)shared;
        ip.platform = platform;
        imgs[made_imgs] = rb_image_generate(&ip, err, sizeof err);
        if (!imgs[made_imgs]) {
            fprintf(stderr, "regbench gen: %s\n", err);
            rc = strstr(err, "too small") ? EXIT_BAD_INPUT : 1;
            goto out;
        }
        for (size_t j = (size_t)shared; j < imgs[made_imgs]->n_layers; j++) {
            cached += rb_layer_from_cache(imgs[made_imgs]->layers[j].layer);
            layers_made++;
        }
        refs[made_imgs] = rb_asprintf("image-%lld", made_imgs);
        if (!quiet && (made_imgs + 1) % 10 == 0)
            fprintf(stderr, "regbench gen: digested %lld of %lld images\n", made_imgs + 1, images);
    }
    /* Bytes to write: unique blobs (shared layers once). */
    for (long long i = 0; i < shared; i++)
        total_bytes += rb_layer_get_info(common[i])->size;
    for (long long i = 0; i < images; i++) {
        total_bytes += imgs[i]->config.size + imgs[i]->manifest.size;
        for (size_t j = (size_t)shared; j < imgs[i]->n_layers; j++)
            total_bytes += imgs[i]->layers[j].size;
    }
    progress pr = {.total = total_bytes, .start = rb_now_us(), .last = rb_now_us(), .quiet = quiet};
    if (rb_layout_write(out, imgs, (const char *const *)refs, (size_t)images, NULL, NULL, 0, on_progress, &pr,
                        err, sizeof err) < 0) {
        fprintf(stderr, "regbench gen: %s\n", err);
        goto out;
    }
    double secs = (double)(rb_now_us() - t0) / 1e6;
    char tb[32], ls[32], cname[16];
    if (level == RB_GEN_NONE)
        snprintf(cname, sizeof cname, "none");
    else
        snprintf(cname, sizeof cname, "%s -%d", rb_compression_name(comp, level), level);
    rb_format_bytes((double)total_bytes, tb, sizeof tb);
    rb_format_bytes((double)layer_size, ls, sizeof ls);
    printf("regbench gen: wrote %lld image(s) to %s in %.2fs\n", images, out, secs);
    printf("  format %s, %lld layer(s) per image (%lld shared), %lld distinct layer(s) of %s, "
           "compression %s, compressibility %.2f, seed %" PRIu64 "\n",
           format == RB_FORMAT_DOCKER ? "docker" : "oci", layers, shared, layers_made, ls,
           cname, compressibility, seed);
    printf("  %s of blobs; %lld layer digest(s) from the cache (%s)\n", tb, cached,
           *rb_gen_cache_dir() ? rb_gen_cache_dir() : "disabled");
    for (long long i = 0; i < images; i++) {
        uint64_t isz = imgs[i]->config.size;
        for (size_t j = 0; j < imgs[i]->n_layers; j++)
            isz += imgs[i]->layers[j].size;
        printf("  %s  %s  %" PRIu64 " bytes\n", refs[i], imgs[i]->manifest.digest, isz);
    }
    rc = 0;
out:
    for (long long i = 0; i < made_shared; i++)
        rb_layer_unref(common[i]);
    for (long long i = 0; i < made_imgs; i++) {
        rb_image_unref(imgs[i]);
        free(refs[i]);
    }
    free(common);
    free(imgs);
    free(refs);
    return rc;
}
