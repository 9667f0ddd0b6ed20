/* html: what the html_*.c files of report.html share and nobody else sees:
 * the page context, HTML escaping and number formatting, the palette, the
 * line styles that keep a chart's series apart and the legends that name
 * them, and the SVG primitives of every chart (axes, ticks, plot area,
 * figures, "no data" notes, phase bands on a time axis), plus one entry
 * point per section of the page. html_page.c writes the skeleton and calls
 * the sections in order; each chart's file holds its whole section (the
 * per-run charts: one figure each, folded per run by html_page.c). */
#ifndef RB_HTML_PRIV_H
#define RB_HTML_PRIV_H

#include "results/rb_sections.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* ---- the page ----------------------------------------------------------------- */

typedef struct html_ctx {
    FILE *f;
    const json_t *suite;
    const json_t *runs;
    size_t nruns;
    json_t **series;           /* per run: an object holding registry_/client_timeseries, or NULL */
    json_t *cmp;               /* comparison object or NULL (owned) */
    int multi_reg;             /* more than one registry name among the runs: labels name the registry */
    const char *regs[32];      /* registry names, in suite order: their colours */
    size_t nregs;
    char ops[32][64];          /* operations (phase keys up to their first '/'), in page order: their styles */
    size_t nops;
    const rb_sections *sec;    /* what summary.md shows too: groups, scenarios, tables */
} html_ctx;

/* Opens <section id=id> with its heading and an optional note. */
void html_section_head(FILE *f, const char *id, const char *title, const char *intro);

/* ---- text --------------------------------------------------------------------- */

/* Writes s HTML-escaped (text and attribute safe; '/' too, so no URL appears literally). */
void html_esc(FILE *f, const char *s);
/* A number for people: 3 significant digits or so, "-" for NaN. Returns buf. */
const char *html_fnum(char *buf, size_t n, double v);
/* Bytes with decimal units ("1.5 MB", "801 kB"), "-" for NaN. Returns buf. */
const char *html_fbytes(char *buf, size_t n, double b);
/* Element i of a JSON array as a number, NaN when it is not one. */
double html_arr_num(const json_t *a, size_t i);
/* "registry · scenario[ label] · rep N" into buf. */
void html_run_title(char *buf, size_t n, const char *registry, const char *scenario, const char *label, long long rep);
/* The same for a run object of the document. */
void html_run_title_of(const json_t *run, char *buf, size_t n);
/* The id of scenario scn's part of the Summary ("scenario-NAME", other
 * characters than letters, digits, '-' and '_' as '_'), written to f. */
void html_scenario_anchor(FILE *f, const char *scn);

/* ---- colours and legends -------------------------------------------------------- */

/* Okabe-Ito, yellow last (weak on white); series use the first HTML_NCOL. */
extern const char *const html_palette[8];
#define HTML_NCOL 7
#define HTML_NDASH 4
extern const char *const html_dashes[HTML_NDASH];   /* solid, dashed, dotted, dash-dot */

/* Index of name in a small list of names, appending it when new. */
size_t html_name_index(const char **names, size_t *n, size_t max, const char *name);

#define HTML_CHAR_W 6.6   /* width of a character of 11px chart text: a little more than most are */
/* Writes s escaped, cut with "…" to about width (at HTML_CHAR_W a
 * character); returns the width written. */
double html_text_fit(FILE *f, const char *s, double width);

/* The line styles of one chart's series. With several registries in the
 * chart the colour is the registry and the dash the operation, else the
 * colour is the operation (the same on the whole page); a style another
 * series of the chart already has moves on to the next free one, so no two
 * series look alike (up to HTML_NCOL x HTML_NDASH series). */
typedef struct html_styles {
    const html_ctx *c;
    int by_registry;
    size_t nops;
    char ops[32][128];                          /* the chart's operations the page does not list */
    unsigned char used[HTML_NCOL * HTML_NDASH];
} html_styles;

/* Starts the styles of a chart; by_registry: the chart shows several registries. */
void html_styles_init(html_styles *s, const html_ctx *c, int by_registry);
/* The style of the chart's next series, of registry and operation op. */
void html_style_next(html_styles *s, const char *registry, const char *op, const char **col, const char **dash);
/* Writes the style attributes of a line mark of series `series` (its legend label). */
void html_line_attrs(FILE *f, const char *col, const char *dash, const char *series);

#define HTML_MAX_LEGEND 48
typedef struct html_legend {
    size_t n;
    struct { const char *colour, *dash; int bar; char label[160]; } e[HTML_MAX_LEGEND];
} html_legend;

/* bar: 0 line (with its dash), 1 filled box, 2 hatched box. */
void html_legend_add(html_legend *lg, const char *colour, const char *dash, int bar, const char *label);
/* The legend, as HTML below the chart: each key drawn as the series is. */
void html_legend_write(FILE *f, const html_legend *lg);

/* ---- plots -------------------------------------------------------------------- */

enum { HTML_NUM, HTML_BYTES, HTML_PCT };   /* tick label formats */

typedef struct html_axis {
    double lo, hi;
    int log, fmt;
} html_axis;

typedef struct html_plot {
    FILE *f;
    double w, h;        /* viewBox */
    double L, T, W, H;  /* plot area */
    html_axis x, y, y2;
    int has_y2;
} html_plot;

/* A linear axis over [lo, hi] widened to round ticks. */
html_axis html_lin_axis(double lo, double hi, int fmt);
/* A linear axis from 0 to 10% above max (values >= 0): the largest value
 * fills the plot, whatever the tick step; ticks stay round. */
html_axis html_value_axis(double max, int fmt);
/* A log axis over [lo, hi] widened to powers of ten. */
html_axis html_log_axis(double lo, double hi, int fmt);
/* Positions of a value on the x, left y and right y axes. */
double html_px(const html_plot *p, double v);
double html_py(const html_plot *p, double v);
double html_py2(const html_plot *p, double v);
/* The label of tick v on axis a. */
void html_tick_label(char *buf, size_t n, const html_axis *a, double v);
/* Tick values of an axis into v (at most 16); returns how many. */
size_t html_ticks(const html_axis *a, double *v);
#define HTML_CHART_W 420    /* viewBox of a chart in the grid: about its width on the page, so 11px text stays 11px */
#define HTML_CHART_H 240
#define HTML_BAND_STRIP 32  /* room above a plot for two rows of phase labels */
#define HTML_DENSE_AT 4     /* a grid of this many charts or more is dense: four to a row at 1,400 px */
#define HTML_DENSE_W 300    /* viewBox of a chart in a dense grid: its width on the page there */
#define HTML_DENSE_H 180

/* Opens <svg class="chart" data-chart=name> with a plot area for w x h. */
void html_plot_open(html_plot *p, FILE *f, const char *name, double w, double h, int has_y2, const char *aria);
/* Grid, ticks and axis labels. xt/xl: custom x ticks (values, labels) or NULL. */
void html_plot_axes(const html_plot *p, const char *xlabel, const char *ylabel, const char *y2label, const double *xt,
                    const char *const *xl, size_t nxt);
void html_plot_close(const html_plot *p);
/* Phase bands and boundaries on a time axis from t_start (offsets from
 * phase durations), with the phases' names written across in two rows in
 * the HTML_BAND_STRIP above the plot where they fit (each band's title
 * names it too). */
void html_phase_bands(const html_plot *p, const json_t *phases, double t_start, double t_end);
/* <p class="nodata" data-nodata=name> in place of a chart, saying why. */
void html_nodata(FILE *f, const char *name, const char *why);
/* <figure> with its caption and, for a run that is not "ok", a status badge. */
void html_fig_open(FILE *f, const char *caption, const char *status);
/* The same for a chart wider than a grid cell: the figure spans the grid's row. */
void html_fig_open_wide(FILE *f, const char *caption);
/* Opens the grid of n charts: dense (narrower cells, HTML_DENSE_W charts)
 * from HTML_DENSE_AT charts on. Returns whether it is dense. */
int html_grid_open(FILE *f, size_t n);

/* ---- the sections, in page order ------------------------------------------------ */

void html_failed_runs(const html_ctx *c);        /* html_tables.c */
void html_shards(const html_ctx *c);             /* html_tables.c: a merged run's shards */
void html_side_by_side(const html_ctx *c);       /* html_tables.c: the registries, phase by phase */
void html_conformance(const html_ctx *c);        /* html_tables.c: the OCI conformance suite per registry */
void html_scaling(const html_ctx *c);            /* html_scaling.c */
void html_latency(const html_ctx *c);            /* html_latency.c: one chart per scenario */
void html_latency_classes(const html_ctx *c, const char *scn);   /* html_latency.c: its size classes, in Summary */
void html_dedup(const html_ctx *c);              /* html_dedup.c */
void html_replay(const html_ctx *c);             /* html_replay.c: only when a run recorded a replay */
int html_has_replay(const html_ctx *c);          /* html_replay.c: whether html_replay writes a section */
void html_comparison(const html_ctx *c);         /* html_compare.c */
void html_summary(const html_ctx *c);            /* html_tables.c: per scenario, with findings */
void html_checks(const html_ctx *c);             /* html_tables.c: rb.check's checks */
void html_custom_metrics(const html_ctx *c);     /* html_tables.c: the other custom metrics */
void html_thresholds(const html_ctx *c);         /* html_tables.c */
void html_warnings(const html_ctx *c);           /* html_tables.c */
void html_scenario_metrics(const html_ctx *c);   /* html_tables.c */
void html_environment(const html_ctx *c);        /* html_tables.c */

/* The per-run charts, one figure each (html_page.c folds them per run). */
void html_throughput_chart(const html_ctx *c, size_t ri);   /* html_throughput.c */
void html_resources_chart(const html_ctx *c, size_t ri);    /* html_resources.c */

#endif
