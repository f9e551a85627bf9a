/* core/report.h — `runner report`: a comparison of the studies in an experiment store. */
#ifndef XP_CORE_REPORT_H
#define XP_CORE_REPORT_H

/* Prints Markdown tables to stdout. Returns 0, 1 (database error) or 2 (usage). */
int report_print(const char *store_path);

#endif
