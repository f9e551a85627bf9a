/* core/report.h — `runner report`: a comparison of the studies in an experiment store. */
#ifndef XP_CORE_REPORT_H
#define XP_CORE_REPORT_H

#include <stdio.h>

/* Prints Markdown tables to stdout. Returns 0, 1 (database error) or 2 (usage). */
int report_print(const char *store_path);
/* The same tables to any stream (report.md next to the HTML page). */
int report_markdown(const char *store_path, FILE *out);

/* `runner report --html`: writes OUT_DIR/index.html (one self-contained page: inline SVG and
 * CSS, nothing fetched) and OUT_DIR/report.md, creating OUT_DIR. Returns 0, or 1 with the
 * reason on stderr. Implemented in report_html.c. */
int report_html(const char *store_path, const char *out_dir);

#endif
