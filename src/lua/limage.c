/* limage: the thin `rb.image` binding. It checks the argument tables (every
 * bad field raises with the script's file:line, the field name and the
 * accepted values), calls the generator core (rb_gen.h) or the opener of
 * users' images (rb_open.h: a file problem is returned as nil, err), and
 * wraps results in read-only userdata described in limage.h. Includes only the Lua headers,
 * the core headers and the C library. */
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "limage.h"
#include "lrt.h"
#include "image/rb_gen.h"
#include "image/rb_open.h"
#include "util/rb_util.h"

typedef struct ud_layer { rb_layer *l; rb_format f; } ud_layer;
typedef struct ud_blob { rb_blob b; } ud_blob;
typedef struct ud_image { rb_image *img; } ud_image;
typedef struct ud_index { rb_index *ix; } ud_index;

#define SEED_KEY "regbench.image.nextseed"

/* ---- object plumbing ----------------------------------------------------- */

/* Pushes a zeroed userdata (safe to collect) with metatable mt. */
static void *new_ud(lua_State *L, size_t size, const char *mt)
{
    void *u = lua_newuserdatauv(L, size, 1);
    memset(u, 0, size);
    luaL_setmetatable(L, mt);
    return u;
}

static int obj_index(lua_State *L)
{
    lua_getiuservalue(L, 1, 1);
    if (!lua_istable(L, -1))
        return 0;
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int obj_newindex(lua_State *L)
{
    return luaL_error(L, "%s objects are read-only", luaL_typename(L, 1));
}

static int obj_tostring(lua_State *L)
{
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "__name");
    lua_getiuservalue(L, 1, 1);
    lua_getfield(L, -1, "digest");
    lua_getfield(L, -2, "size");
    lua_pushfstring(L, "%s(%s, %s bytes)", lua_tostring(L, -4), lua_tostring(L, -2), lua_tostring(L, -1));
    return 1;
}

static int layer_gc(lua_State *L)
{
    ud_layer *u = luaL_checkudata(L, 1, RBL_LAYER_MT);
    rb_layer_unref(u->l);
    u->l = NULL;
    return 0;
}

static int blob_gc(lua_State *L)
{
    ud_blob *u = luaL_checkudata(L, 1, RBL_BLOB_MT);
    rb_blob_release(&u->b);
    return 0;
}

static int image_gc(lua_State *L)
{
    ud_image *u = luaL_checkudata(L, 1, RBL_IMAGE_MT);
    rb_image_unref(u->img);
    u->img = NULL;
    return 0;
}

static int index_gc(lua_State *L)
{
    ud_index *u = luaL_checkudata(L, 1, RBL_INDEX_MT);
    rb_index_unref(u->ix);
    u->ix = NULL;
    return 0;
}

static void set_str(lua_State *L, const char *k, const char *v)
{
    lua_pushstring(L, v);
    lua_setfield(L, -2, k);
}

static void set_int(lua_State *L, const char *k, uint64_t v)
{
    lua_pushinteger(L, (lua_Integer)v);
    lua_setfield(L, -2, k);
}

/* Sets l (takes one reference) into the empty layer object u on top of the
 * stack and fills its fields; media type for format f. */
static void set_layer(lua_State *L, ud_layer *u, rb_layer *l, rb_format f)
{
    u->l = l;
    u->f = f;
    const rb_layer_info *in = rb_layer_get_info(l);
    lua_createtable(L, 0, 10);
    set_str(L, "digest", in->digest);
    set_int(L, "size", in->size);
    set_str(L, "diff_id", in->diff_id);
    set_int(L, "uncompressed_size", in->uncompressed_size);
    set_str(L, "media_type", rb_layer_media_type(l, f));
    if (in->params.level == RB_GEN_NONE) {
        set_str(L, "compression", "none");
    } else {
        if (in->params.compression == RB_COMP_ZSTD)
            set_str(L, "compression", "zstd");
        else /* a gzip layer's compression is its level, as before zstd */
            set_int(L, "compression", (uint64_t)in->params.level);
        set_int(L, "level", (uint64_t)in->params.level);
    }
    lua_pushnumber(L, in->params.compressibility);
    lua_setfield(L, -2, "compressibility");
    set_int(L, "seed", in->params.seed);
    set_int(L, "files_per_layer", (uint64_t)in->params.files);
    lua_setiuservalue(L, -2, 1);
}

/* Pushes a blob object holding a copy (new references) of b. */
static void push_blob(lua_State *L, const rb_blob *b)
{
    ud_blob *u = new_ud(L, sizeof *u, RBL_BLOB_MT);
    rb_blob_copy(&u->b, b);
    lua_createtable(L, 0, 4);
    set_str(L, "digest", b->digest);
    set_int(L, "size", b->size);
    set_str(L, "media_type", b->media_type);
    if (b->kind == RB_BLOB_BYTES) {
        lua_pushlstring(L, (const char *)b->data, (size_t)b->size);
        lua_setfield(L, -2, "bytes");
    }
    if (b->kind == RB_BLOB_FILE)
        set_str(L, "path", rb_blob_path(b));
    lua_setiuservalue(L, -2, 1);
}

/* Sets img (takes the reference) into the empty image object u on top of
 * the stack and fills its fields. */
static void set_image(lua_State *L, ud_image *u, rb_image *img)
{
    u->img = img;
    lua_createtable(L, 0, 10);
    set_str(L, "digest", img->manifest.digest);
    set_int(L, "size", img->manifest.size);
    set_str(L, "media_type", img->manifest.media_type);
    lua_pushlstring(L, (const char *)img->manifest.data, (size_t)img->manifest.size);
    lua_setfield(L, -2, "manifest");
    push_blob(L, &img->config);
    lua_setfield(L, -2, "config");
    uint64_t total = img->config.size;
    lua_createtable(L, (int)img->n_layers, 0);
    for (size_t i = 0; i < img->n_layers; i++) {
        if (img->layers[i].kind == RB_BLOB_LAYER) {
            ud_layer *lu = new_ud(L, sizeof *lu, RBL_LAYER_MT);
            set_layer(L, lu, rb_layer_ref(img->layers[i].layer), img->format);
        } else { /* a user's image: a blob read from a file */
            push_blob(L, &img->layers[i]);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
        total += img->layers[i].size;
    }
    lua_setfield(L, -2, "layers");
    set_int(L, "total_size", total);
    lua_pushfstring(L, "%s/%s%s%s", img->os, img->arch, img->variant[0] ? "/" : "", img->variant);
    lua_setfield(L, -2, "platform");
    set_str(L, "format", img->format == RB_FORMAT_DOCKER ? "docker" : "oci");
    lua_setiuservalue(L, -2, 1);
}

/* ---- argument parsing ---------------------------------------------------- */

typedef struct gen_args {
    const char *fn;                /* "generate", "layer", "index" */
    lua_Integer layers;            /* -1: not given */
    uint64_t layer_size;
    int has_layer_size;
    uint64_t *layer_sizes;         /* scratch userdata memory */
    size_t n_layer_sizes;
    int level;                     /* from compression (RB_GEN_NONE for "none") */
    rb_compression comp;
    lua_Integer level_field;       /* the level field, -1: not given */
    double compressibility;
    rb_format format;
    int has_format;
    uint64_t seed;
    int has_seed;
    int files;
    rb_layer **shared;             /* scratch userdata memory */
    size_t n_shared;
    const char *platform;
    rb_image **images;             /* index: scratch */
    size_t n_images;
    const char **platforms;        /* index: scratch */
    size_t n_platforms;
} gen_args;

static int is_field(const char *k, const char *const *accepted)
{
    for (; *accepted; accepted++)
        if (strcmp(k, *accepted) == 0)
            return 1;
    return 0;
}

/* Reads a size from the value at idx: a positive integer or a string like "10MB". */
static uint64_t get_size(lua_State *L, int idx, const char *fn, const char *field)
{
    char err[RB_ERRLEN];
    uint64_t v = 0;
    if (lua_type(L, idx) == LUA_TSTRING) {
        if (rb_parse_size(lua_tostring(L, idx), &v, err, sizeof err) < 0)
            luaL_error(L, "rb.image.%s: %s: \"%s\" is not accepted; %s", fn, field, lua_tostring(L, idx), err);
    } else if (lua_type(L, idx) == LUA_TNUMBER) {
        int isint = 0;
        lua_Integer i = lua_tointegerx(L, idx, &isint);
        if (!isint || i < 1)
            luaL_error(L, "rb.image.%s: %s: %s is not accepted; use a positive whole number of bytes or a "
                          "string such as \"10MB\" or \"1MiB\"", fn, field, lua_tostring(L, idx));
        v = (uint64_t)i;
    } else {
        luaL_error(L, "rb.image.%s: %s: a %s is not accepted; use a number of bytes or a string such as "
                      "\"10MB\" or \"1MiB\"", fn, field, luaL_typename(L, idx));
    }
    if (v == 0)
        luaL_error(L, "rb.image.%s: %s: 0 is not accepted; use a size above 0", fn, field);
    return v;
}

static lua_Integer get_int(lua_State *L, int idx, const char *fn, const char *field, lua_Integer min,
                           lua_Integer max)
{
    int isint = 0;
    lua_Integer v = lua_type(L, idx) == LUA_TNUMBER ? lua_tointegerx(L, idx, &isint) : 0;
    if (!isint || v < min || v > max)
        luaL_error(L, "rb.image.%s: %s: %s is not accepted; use a whole number from %I to %I", fn, field,
                   luaL_tolstring(L, idx, NULL), min, max);
    return v;
}

/* Parses the fields of the table at idx into a (defaults first). */
static void parse_args(lua_State *L, int idx, gen_args *a, const char *const *accepted, int positional)
{
    char err[RB_ERRLEN];
    const char *fn = a->fn;
    a->layers = -1;
    a->layer_size = 1u << 20;
    a->level = RB_GZIP_DEFAULT_LEVEL;
    a->comp = RB_COMP_GZIP;
    a->level_field = -1;
    a->compressibility = 0.5;
    a->format = RB_FORMAT_OCI;
    a->platform = NULL;
    luaL_checktype(L, idx, LUA_TTABLE);
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) == LUA_TNUMBER && positional) {
            lua_pop(L, 1);
            continue;
        }
        if (lua_type(L, -2) != LUA_TSTRING || !is_field(lua_tostring(L, -2), accepted)) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            for (const char *const *f = accepted; *f; f++) {
                luaL_addstring(&b, *f);
                if (f[1])
                    luaL_addstring(&b, ", ");
            }
            luaL_pushresult(&b);
            const char *acc = lua_tostring(L, -1);
            const char *key = luaL_tolstring(L, -3, NULL);
            luaL_error(L, "rb.image.%s: unknown field %s; accepted fields: %s", fn, key, acc);
        }
        const char *k = lua_tostring(L, -2);
        int v = lua_gettop(L);
        if (strcmp(k, "layers") == 0) {
            a->layers = get_int(L, v, fn, k, 1, 10000);
        } else if (strcmp(k, "layer_size") == 0 || strcmp(k, "size") == 0) {
            a->layer_size = get_size(L, v, fn, k);
            a->has_layer_size = 1;
        } else if (strcmp(k, "layer_sizes") == 0) {
            if (!lua_istable(L, v))
                luaL_error(L, "rb.image.%s: layer_sizes: use a list of sizes, e.g. {\"10MB\", \"1MiB\"}", fn);
            size_t n = (size_t)lua_rawlen(L, v);
            if (n < 1 || n > 10000)
                luaL_error(L, "rb.image.%s: layer_sizes: use a list of 1 to 10000 sizes", fn);
            a->layer_sizes = lua_newuserdatauv(L, n * sizeof(uint64_t), 0);
            lua_rawsetp(L, LUA_REGISTRYINDEX, a->layer_sizes); /* kept alive until the call ends */
            for (size_t i = 0; i < n; i++) {
                lua_rawgeti(L, v, (lua_Integer)i + 1);
                a->layer_sizes[i] = get_size(L, -1, fn, "layer_sizes[]");
                lua_pop(L, 1);
            }
            a->n_layer_sizes = n;
        } else if (strcmp(k, "compression") == 0) {
            int isint = 0;
            lua_Integer lv = lua_type(L, v) == LUA_TNUMBER ? lua_tointegerx(L, v, &isint) : -1;
            if (isint && lv >= 0 && lv <= 9) { /* the older spelling: a gzip level */
                a->comp = RB_COMP_GZIP;
                a->level = (int)lv;
            } else if (lua_type(L, v) != LUA_TSTRING ||
                       rb_parse_compression(lua_tostring(L, v), &a->comp, &a->level, err, sizeof err) < 0) {
                luaL_error(L, "rb.image.%s: compression: %s is not accepted; use \"gzip\", \"zstd\", \"none\" "
                              "or a gzip level 0-9", fn, luaL_tolstring(L, v, NULL));
            }
        } else if (strcmp(k, "level") == 0) {
            a->level_field = get_int(L, v, fn, k, 0, 99); /* the range per algorithm is checked below */
        } else if (strcmp(k, "compressibility") == 0) {
            int isnum = 0;
            double c = lua_type(L, v) == LUA_TNUMBER ? lua_tonumberx(L, v, &isnum) : -1;
            if (!isnum || !(c >= 0.0 && c <= 1.0))
                luaL_error(L, "rb.image.%s: compressibility: %s is not accepted; use a fraction from 0.0 to 1.0",
                           fn, luaL_tolstring(L, v, NULL));
            a->compressibility = c;
        } else if (strcmp(k, "format") == 0) {
            const char *s = lua_type(L, v) == LUA_TSTRING ? lua_tostring(L, v) : "";
            if (strcmp(s, "oci") == 0)
                a->format = RB_FORMAT_OCI;
            else if (strcmp(s, "docker") == 0)
                a->format = RB_FORMAT_DOCKER;
            else
                luaL_error(L, "rb.image.%s: format: %s is not accepted; use \"oci\" or \"docker\"", fn,
                           luaL_tolstring(L, v, NULL));
            a->has_format = 1;
        } else if (strcmp(k, "seed") == 0) {
            a->seed = (uint64_t)get_int(L, v, fn, k, 0, LUA_MAXINTEGER);
            a->has_seed = 1;
        } else if (strcmp(k, "files_per_layer") == 0 || strcmp(k, "files") == 0) {
            a->files = (int)get_int(L, v, fn, k, 1, RB_GEN_MAX_FILES);
        } else if (strcmp(k, "platform") == 0) {
            char os[32], arch[32], var[32];
            if (lua_type(L, v) != LUA_TSTRING ||
                rb_parse_platform(lua_tostring(L, v), os, arch, var, err, sizeof err) < 0)
                luaL_error(L, "rb.image.%s: platform: %s is not accepted; use \"os/arch\" or "
                              "\"os/arch/variant\", e.g. \"linux/amd64\"", fn, luaL_tolstring(L, v, NULL));
            a->platform = lua_tostring(L, v);
        } else if (strcmp(k, "shared") == 0) {
            if (!lua_istable(L, v))
                luaL_error(L, "rb.image.%s: shared: use a list of layers made by rb.image.layer or taken "
                              "from image.layers", fn);
            size_t n = (size_t)lua_rawlen(L, v);
            a->shared = lua_newuserdatauv(L, (n ? n : 1) * sizeof(rb_layer *), 0);
            lua_rawsetp(L, LUA_REGISTRYINDEX, a->shared);
            for (size_t i = 0; i < n; i++) {
                lua_rawgeti(L, v, (lua_Integer)i + 1);
                ud_layer *u = luaL_testudata(L, -1, RBL_LAYER_MT);
                if (!u || !u->l)
                    luaL_error(L, "rb.image.%s: shared[%d]: a %s is not accepted; use layers made by "
                                  "rb.image.layer or taken from image.layers", fn, (int)i + 1,
                               luaL_typename(L, -1));
                a->shared[i] = u->l; /* the table keeps the layer alive */
                lua_pop(L, 1);
            }
            a->n_shared = n;
        } else if (strcmp(k, "images") == 0) {
            /* handled by the caller (index) */
        } else if (strcmp(k, "platforms") == 0) {
            if (!lua_istable(L, v))
                luaL_error(L, "rb.image.%s: platforms: use a list such as {\"linux/amd64\", \"linux/arm64\"}", fn);
            size_t n = (size_t)lua_rawlen(L, v);
            a->platforms = lua_newuserdatauv(L, (n ? n : 1) * sizeof(char *), 0);
            lua_rawsetp(L, LUA_REGISTRYINDEX, a->platforms);
            for (size_t i = 0; i < n; i++) {
                lua_rawgeti(L, v, (lua_Integer)i + 1);
                char os[32], arch[32], var[32];
                if (lua_type(L, -1) != LUA_TSTRING ||
                    rb_parse_platform(lua_tostring(L, -1), os, arch, var, err, sizeof err) < 0)
                    luaL_error(L, "rb.image.%s: platforms[%d]: %s is not accepted; use \"os/arch\" or "
                                  "\"os/arch/variant\"", fn, (int)i + 1, luaL_tolstring(L, -1, NULL));
                a->platforms[i] = lua_tostring(L, -1); /* the table keeps the string alive */
                lua_pop(L, 1);
            }
            a->n_platforms = n;
        }
        lua_settop(L, v - 1);
    }
    if (a->layer_sizes && a->has_layer_size)
        luaL_error(L, "rb.image.%s: give layer_size or layer_sizes, not both", fn);
    if (a->level_field >= 0) {
        if (a->level == RB_GEN_NONE)
            luaL_error(L, "rb.image.%s: level: %I is not accepted with compression \"none\" (a plain tar has "
                          "no level); leave level out or use compression \"gzip\" or \"zstd\"", fn, a->level_field);
        a->level = (int)a->level_field;
    }
    if (rb_check_level(a->comp, a->level, err, sizeof err) < 0)
        luaL_error(L, "rb.image.%s: %s", fn, err);
    if (!a->has_seed) { /* a per-state counter: deterministic within a script */
        lua_getfield(L, LUA_REGISTRYINDEX, SEED_KEY);
        lua_Integer s = lua_tointeger(L, -1) + 1;
        lua_pop(L, 1);
        lua_pushinteger(L, s);
        lua_setfield(L, LUA_REGISTRYINDEX, SEED_KEY);
        a->seed = (uint64_t)s;
    }
}

/* Drops the scratch arrays anchored in the registry. */
static void drop_scratch(lua_State *L, gen_args *a)
{
    void *p[3] = {a->layer_sizes, a->shared, a->platforms};
    for (int i = 0; i < 3; i++)
        if (p[i]) {
            lua_pushnil(L);
            lua_rawsetp(L, LUA_REGISTRYINDEX, p[i]);
        }
}

static const char *const GEN_FIELDS[] = {"layers", "layer_size", "layer_sizes", "compression", "level",
                                         "compressibility", "format", "seed", "files_per_layer", "shared",
                                         "platform", NULL};
static const char *const LAYER_FIELDS[] = {"size", "compression", "level", "compressibility", "seed",
                                           "files_per_layer", "files", "format", NULL};
static const char *const INDEX_FIELDS[] = {"images", "platforms", "layers", "layer_size", "layer_sizes",
                                           "compression", "level", "compressibility", "format", "seed",
                                           "files_per_layer", "shared", NULL};

/* Generates one image from a into a new image object on the stack. */
static void generate_image(lua_State *L, gen_args *a, uint64_t seed, const char *platform)
{
    rb_image_params p;
    rb_image_params_init(&p);
    size_t n_gen;
    if (a->layer_sizes) {
        n_gen = a->n_layer_sizes;
        if (a->layers >= 0 && (size_t)a->layers != a->n_shared + n_gen)
            luaL_error(L, "rb.image.%s: layers: %d does not match %d shared + %d layer_sizes; leave layers out",
                       a->fn, (int)a->layers, (int)a->n_shared, (int)n_gen);
    } else {
        size_t total = a->layers >= 0 ? (size_t)a->layers : a->n_shared + 1;
        if (total < a->n_shared)
            luaL_error(L, "rb.image.%s: layers: %d is fewer than the %d shared layers; layers counts them too",
                       a->fn, (int)total, (int)a->n_shared);
        n_gen = total - a->n_shared;
    }
    p.format = a->format;
    p.layers = a->n_shared + n_gen;
    p.layer_size = a->layer_size;
    p.layer_sizes = a->layer_sizes;
    p.level = a->level;
    p.compression = a->comp;
    p.compressibility = a->compressibility;
    p.files = a->files;
    p.seed = seed;
    p.shared = a->shared;
    p.n_shared = a->n_shared;
    p.platform = platform;
    ud_image *u = new_ud(L, sizeof *u, RBL_IMAGE_MT); /* made first: nothing leaks on errors */
    char err[RB_ERRLEN];
    rb_image *img = rb_image_generate(&p, err, sizeof err);
    if (!img)
        luaL_error(L, "rb.image.%s: %s", a->fn, err);
    set_image(L, u, img);
}

/* rb.image.generate{...} -> image */
static int l_generate(lua_State *L)
{
    gen_args a = {.fn = "generate"};
    parse_args(L, 1, &a, GEN_FIELDS, 0);
    rbl_action(L, 0);   /* generating is work: after the arguments are checked, the run starts */
    generate_image(L, &a, a.seed, a.platform);
    drop_scratch(L, &a);
    return 1;
}

/* rb.image.layer{...} -> layer */
static int l_layer(lua_State *L)
{
    gen_args a = {.fn = "layer"};
    parse_args(L, 1, &a, LAYER_FIELDS, 0);
    if (a.format == RB_FORMAT_DOCKER && a.comp == RB_COMP_ZSTD && a.level != RB_GEN_NONE)
        luaL_error(L, "rb.image.layer: compression: zstd is not accepted with format \"docker\": Docker schema 2 "
                      "has no zstd layer media type; use format \"oci\", or gzip or none");
    rbl_action(L, 0);
    rb_layer_params p;
    rb_layer_params_init(&p);
    p.size = a.layer_size;
    p.level = a.level;
    p.compression = a.comp;
    p.compressibility = a.compressibility;
    p.seed = a.seed;
    p.files = a.files;
    ud_layer *u = new_ud(L, sizeof *u, RBL_LAYER_MT);
    char err[RB_ERRLEN];
    rb_layer *l = rb_layer_new(&p, err, sizeof err);
    if (!l)
        luaL_error(L, "rb.image.layer: %s", err);
    set_layer(L, u, l, a.format);
    return 1;
}

/* Fills the fields of the index object on top of the stack (holding ix);
 * its image objects are at first .. first+n-1 of the stack. */
static void set_index(lua_State *L, const rb_index *ix, int first)
{
    lua_createtable(L, 0, 8);
    set_str(L, "digest", ix->manifest.digest);
    set_int(L, "size", ix->manifest.size);
    set_str(L, "media_type", ix->manifest.media_type);
    lua_pushlstring(L, (const char *)ix->manifest.data, (size_t)ix->manifest.size);
    lua_setfield(L, -2, "manifest");
    set_str(L, "format", ix->format == RB_FORMAT_DOCKER ? "docker" : "oci");
    lua_createtable(L, (int)ix->n_images, 0);
    for (size_t i = 0; i < ix->n_images; i++) {
        lua_pushvalue(L, first + (int)i);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "images");
    lua_setiuservalue(L, -2, 1);
}

/* rb.image.index{img, ... | images={...}, platforms={...}, <generate fields>} -> index */
static int l_index(lua_State *L)
{
    gen_args a = {.fn = "index"};
    parse_args(L, 1, &a, INDEX_FIELDS, 1);
    rbl_action(L, 0);
    /* Images: positional entries, or images={...}. */
    int list = 1;
    lua_getfield(L, 1, "images");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1))
            luaL_error(L, "rb.image.index: images: use a list of images made by rb.image.generate");
        list = lua_gettop(L);
    }
    size_t n = (size_t)lua_rawlen(L, list);
    int base = lua_gettop(L);
    if (n > 0) {
        if (a.n_platforms)
            luaL_error(L, "rb.image.index: give images or platforms, not both (an image's platform is "
                          "set when it is generated: rb.image.generate{platform=...})");
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, list, (lua_Integer)i + 1);
            ud_image *u = luaL_testudata(L, -1, RBL_IMAGE_MT);
            if (!u || !u->img)
                luaL_error(L, "rb.image.index: images[%d]: a %s is not accepted; use images made by "
                              "rb.image.generate", (int)i + 1, luaL_typename(L, -1));
        }
    } else {
        if (!a.n_platforms)
            luaL_error(L, "rb.image.index: give images ({img1, img2} or images={...}) or platforms "
                          "({\"linux/amd64\", \"linux/arm64\"})");
        for (size_t i = 0; i < a.n_platforms; i++)
            generate_image(L, &a, rb_gen_derive_seed(a.seed, i), a.platforms[i]);
        n = a.n_platforms;
    }
    /* Images are at base+1 .. base+n. */
    rb_image **imgs = lua_newuserdatauv(L, n * sizeof *imgs, 0);
    for (size_t i = 0; i < n; i++)
        imgs[i] = ((ud_image *)lua_touserdata(L, base + 1 + (int)i))->img;
    rb_format f = a.has_format ? a.format : imgs[0]->format;
    ud_index *u = new_ud(L, sizeof *u, RBL_INDEX_MT);
    char err[RB_ERRLEN];
    u->ix = rb_index_build(f, imgs, n, err, sizeof err);
    if (!u->ix)
        luaL_error(L, "rb.image.index: %s", err);
    set_index(L, u->ix, base + 1);
    drop_scratch(L, &a);
    return 1;
}

/* Adds source fields (path, kind, ref, hashed_layers) to the object on top. */
static void set_source(lua_State *L, const char *path, const rb_opened *o)
{
    lua_getiuservalue(L, -1, 1);
    set_str(L, "path", path);
    set_str(L, "kind", o->kind);
    set_str(L, "ref", o->ref);
    set_int(L, "hashed_layers", o->hashed);
    lua_pop(L, 1);
}

/* rb.image.open(path[, {ref=, verify=}]) -> image or index, or nil, err */
static int l_open(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    rb_open_opts o = {0};
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "";
            if (strcmp(k, "ref") == 0 && lua_type(L, -1) == LUA_TSTRING)
                o.ref = lua_tostring(L, -1); /* the options table keeps it alive */
            else if (strcmp(k, "verify") == 0 && lua_isboolean(L, -1))
                o.verify = lua_toboolean(L, -1);
            else if (strcmp(k, "ref") == 0 || strcmp(k, "verify") == 0)
                luaL_error(L, "rb.image.open: %s: a %s is not accepted; ref is a string, verify a boolean", k,
                           luaL_typename(L, -1));
            else
                luaL_error(L, "rb.image.open: unknown field %s; accepted fields: ref, verify",
                           luaL_tolstring(L, -2, NULL));
            lua_pop(L, 1);
        }
    }
    rbl_action(L, 0); /* reading files (and maybe hashing layers) is work */
    rb_opened op;
    char err[RB_ERRLEN];
    if (rb_image_open(path, &o, &op, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "rb.image.open: %s", err);
        return 2;
    }
    if (op.image) {
        ud_image *u = new_ud(L, sizeof *u, RBL_IMAGE_MT);
        set_image(L, u, rb_image_ref(op.image));
    } else {
        int first = lua_gettop(L) + 1;
        for (size_t i = 0; i < op.index->n_images; i++) {
            ud_image *u = new_ud(L, sizeof *u, RBL_IMAGE_MT);
            set_image(L, u, rb_image_ref(op.index->images[i]));
        }
        ud_index *u = new_ud(L, sizeof *u, RBL_INDEX_MT);
        u->ix = rb_index_ref(op.index);
        set_index(L, u->ix, first);
    }
    set_source(L, path, &op);
    rb_opened_free(&op);
    return 1;
}

/* ---- C access ------------------------------------------------------------ */

int rbl_to_blob(lua_State *L, int idx, rb_blob *out)
{
    memset(out, 0, sizeof *out);
    ud_layer *l = luaL_testudata(L, idx, RBL_LAYER_MT);
    if (l && l->l) {
        rb_blob_from_layer(out, l->l, l->f);
        return 0;
    }
    ud_blob *b = luaL_testudata(L, idx, RBL_BLOB_MT);
    if (b && b->b.kind != RB_BLOB_NONE) {
        rb_blob_copy(out, &b->b);
        return 0;
    }
    ud_image *im = luaL_testudata(L, idx, RBL_IMAGE_MT);
    if (im && im->img) {
        rb_blob_copy(out, &im->img->manifest);
        return 0;
    }
    ud_index *ix = luaL_testudata(L, idx, RBL_INDEX_MT);
    if (ix && ix->ix) {
        rb_blob_copy(out, &ix->ix->manifest);
        return 0;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        rb_blob_from_bytes(out, s, len, NULL);
        return 0;
    }
    return -1;
}

rb_image *rbl_to_image(lua_State *L, int idx)
{
    ud_image *u = luaL_testudata(L, idx, RBL_IMAGE_MT);
    return u ? u->img : NULL;
}

rb_index *rbl_to_index(lua_State *L, int idx)
{
    ud_index *u = luaL_testudata(L, idx, RBL_INDEX_MT);
    return u ? u->ix : NULL;
}

int rbl_image_blobs(lua_State *L, int idx, rb_blob **blobs, size_t *n, rb_blob *manifest)
{
    rb_image *img = rbl_to_image(L, idx);
    if (!img)
        return -1;
    *n = img->n_layers + 1;
    *blobs = rb_calloc(*n, sizeof **blobs);
    rb_blob_copy(&(*blobs)[0], &img->config);
    for (size_t i = 0; i < img->n_layers; i++)
        rb_blob_copy(&(*blobs)[i + 1], &img->layers[i]);
    rb_blob_copy(manifest, &img->manifest);
    return 0;
}

/* ---- module -------------------------------------------------------------- */

static void new_mt(lua_State *L, const char *name, lua_CFunction gc)
{
    if (luaL_newmetatable(L, name)) {
        lua_pushcfunction(L, obj_index);
        lua_setfield(L, -2, "__index");
        lua_pushcfunction(L, obj_newindex);
        lua_setfield(L, -2, "__newindex");
        lua_pushcfunction(L, obj_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, gc);
        lua_setfield(L, -2, "__close");
    }
    lua_pop(L, 1);
}

#define PATTERN_MAX_SIZE (1ull << 40)
#define PATTERN_MAX_BYTES (64u << 20)

/* Reads a non-negative integer argument no larger than max. */
static uint64_t check_u64(lua_State *L, int idx, uint64_t max, const char *what)
{
    lua_Integer v = luaL_checkinteger(L, idx);
    if (v < 0 || (uint64_t)v > max)
        luaL_error(L, "rb.image.pattern_bytes: %s: %I is outside 0..%I", what, v, (lua_Integer)max);
    return (uint64_t)v;
}

/* rb.image.pattern{size=, seed=} -> blob of the seeded pattern (hashed here, streamed on upload) */
static int l_pattern(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    uint64_t size = 0, seed = 1;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
        if (strcmp(k, "size") == 0) {
            size = get_size(L, -1, "pattern", "size");
        } else if (strcmp(k, "seed") == 0) {
            int isint = 0;
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            if (!isint || v < 0) luaL_error(L, "rb.image.pattern: seed must be a non-negative integer");
            seed = (uint64_t)v;
        } else {
            luaL_error(L, "rb.image.pattern: unknown field '%s' (accepted: size, seed)", k);
        }
        lua_pop(L, 1);
    }
    if (size == 0) luaL_error(L, "rb.image.pattern: size is required");
    if (size > PATTERN_MAX_SIZE) luaL_error(L, "rb.image.pattern: size must be at most 1 TiB");
    rbl_action(L, 0);   /* hashing the pattern is work */
    rb_blob b;
    rb_blob_from_pattern(&b, seed, size);
    push_blob(L, &b);
    rb_blob_release(&b);
    return 1;
}

/* rb.image.pattern_bytes(seed, offset, length) -> the pattern's bytes at [offset, offset+length) */
static int l_pattern_bytes(lua_State *L)
{
    uint64_t seed = check_u64(L, 1, (uint64_t)LUA_MAXINTEGER, "seed");
    uint64_t off = check_u64(L, 2, PATTERN_MAX_SIZE, "offset");
    size_t len = (size_t)check_u64(L, 3, PATTERN_MAX_BYTES, "length");
    luaL_Buffer buf;
    char *p = luaL_buffinitsize(L, &buf, len);
    rb_pattern_fill(seed, off, p, len);
    luaL_pushresultsize(&buf, len);
    return 1;
}

int rbl_open_image(lua_State *L)
{
    new_mt(L, RBL_LAYER_MT, layer_gc);
    new_mt(L, RBL_BLOB_MT, blob_gc);
    new_mt(L, RBL_IMAGE_MT, image_gc);
    new_mt(L, RBL_INDEX_MT, index_gc);
    static const luaL_Reg fns[] = {
        {"generate", l_generate},
        {"layer", l_layer},
        {"index", l_index},
        {"open", l_open},
        {"pattern", l_pattern},
        {"pattern_bytes", l_pattern_bytes},
        {NULL, NULL},
    };
    luaL_newlib(L, fns);
    return 1;
}
