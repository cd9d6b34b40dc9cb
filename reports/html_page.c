/*
 * html_page.c - page files of the HTML report and their shared style.
 */
#include "reports/html_page.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/html_escape.h"

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#222;background:#fff}\n"
	"h1{font-size:20px;margin:0 0 8px}h2{font-size:16px;margin:18px 0 6px}\n"
	"a{color:#0645ad}table{border-collapse:collapse;margin:6px 0}\n"
	"th,td{border:1px solid #ccc;padding:4px 8px;vertical-align:top;text-align:left}\n"
	"th{background:#f3f3f3}\n"
	"td.cell.passed{background:#e3f6e3}td.cell.failed{background:#fbe0e0}\n"
	"td.cell.skipped{background:#f0f0f0;color:#777}td.cell.none{color:#aaa}\n"
	"td.cell .verdict{font-weight:600}.phases{font-size:12px;color:#555}\n"
	".dur{font-size:12px}.totals span{margin-right:14px}\n"
	".failure{border:2px solid #c00;background:#fff0f0;padding:8px;margin:8px 0;white-space:pre-wrap}\n"
	".note{color:#a60}.links a{margin-right:14px}\n"
	".layout{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}\n"
	".timeline-box{overflow-x:auto;max-width:100%}\n"
	".console-box{flex:1 1 360px;min-width:360px}\n"
	"#console{font:12px/1.35 ui-monospace,monospace;border:1px solid #ccc;height:520px;"
	"overflow:auto;padding:4px;background:#fafafa}\n"
	"#console .line{white-space:pre-wrap;word-break:break-all}\n"
	"#console .line.hidden{display:none}#console .line.milestone{background:#fff6cc}\n"
	"#console .line.flash{background:#ffd24d}#console .ts{color:#888}\n"
	"svg.timeline text{font:11px system-ui,sans-serif;fill:#333}\n"
	"svg.timeline .lane-bg{fill:#f7f7f7}svg.timeline .lane-label{font-weight:600}\n"
	"svg.timeline .grid{stroke:#ddd}svg.timeline .tick-label{fill:#777;text-anchor:middle}\n"
	"svg.timeline .bar.power{fill:#9ad29a}svg.timeline .mark{stroke-width:2}\n"
	"svg.timeline .mark.power{stroke:#2a7a2a}svg.timeline .mark.power.error{stroke:#c00}\n"
	"svg.timeline .span.dhcp{fill:#cfe0fa}svg.timeline .mark.dhcp{stroke:#1f5fbf}\n"
	"svg.timeline .mark.dhcp.nak{stroke:#c00}\n"
	"svg.timeline .bar.tftp{fill:#b9a3e3;stroke:#6b4fa8}svg.timeline .bar.tftp.error{fill:#f2a0a0;"
	"stroke:#c00}\nsvg.timeline .bar.tftp.error.missing{fill:#f9dada;stroke:#d77}\n"
	"svg.timeline .bar.tftp.open{fill:#e6e0f3;stroke-dasharray:3 2}\n"
	"svg.timeline .zoom-label{font-weight:600;fill:#6b4fa8}svg.timeline.zoom{margin-top:8px}\n"
	"svg.timeline .bar-label{font-size:10px}svg.timeline .mark.tftp.probe{stroke:#6b4fa8;stroke-width:2}\n"
	"svg.timeline .tick.nfs{stroke:#13877f;fill:#8fd3cd;stroke-width:1.5}\n"
	"svg.timeline .tick.nfs.mount,svg.timeline .tick.nfs.umount{stroke-width:3}\n"
	"svg.timeline .tick.nfs.bad{stroke:#c00;fill:#f2a0a0}\n"
	"svg.timeline .tick.console{stroke:#bbb}svg.timeline .milestone line{stroke:#8a6d00;"
	"stroke-width:2}\nsvg.timeline .milestone{cursor:pointer}\n"
	"svg.timeline .fault-line{stroke:#e07000;stroke-dasharray:4 3}svg.timeline .fault-marker{"
	"fill:#e07000}\n"
	"svg.timeline .failure-mark line,svg.timeline .run-end{stroke:#c00;stroke-width:2}\n"
	"svg.timeline .run-end{stroke-dasharray:2 2}svg.timeline .failure-mark text{fill:#c00;"
	"font-weight:600}\n"
	"svg.trend{background:#fafafa;border:1px solid #ddd;margin:0 8px 8px 0}\n"
	"svg.trend text{font:10px system-ui,sans-serif;fill:#555}\n"
	"svg.trend .line{fill:none;stroke-width:1.5}svg.trend .line.p50{stroke:#1f5fbf}\n"
	"svg.trend .line.p95{stroke:#e07000}svg.trend .line.ratio{stroke:#2a7a2a}\n"
	"svg.trend .point{fill:#555}svg.trend .point.regression{fill:#c00;r:5}\n"
	".charts{display:flex;flex-wrap:wrap}.ratio-bad{background:#fbe0e0}.ratio-ok{background:#e3f6e3}\n";

int html_mkdirs(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);
	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int html_page_open(struct html_page *p, const char *path, const char *title, char *err,
		   size_t errcap)
{
	memset(p, 0, sizeof(*p));
	if (strlen(path) >= sizeof(p->path)) {
		snprintf(err, errcap, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(p->path, sizeof(p->path), "%s", path);
	snprintf(p->tmp, sizeof(p->tmp), "%s.tmp", path);
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		int rc = html_mkdirs(dir);
		if (rc) {
			snprintf(err, errcap, "%s: cannot create: %s", dir, strerror(-rc));
			return rc;
		}
	}
	p->out = fopen(p->tmp, "w");
	if (!p->out) {
		int e = errno;
		snprintf(err, errcap, "%s: cannot write: %s", p->tmp, strerror(e));
		return -e;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", p->out);
	html_escape(p->out, title);
	fprintf(p->out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	return 0;
}

int html_page_close(struct html_page *p, const char *script, char *err, size_t errcap)
{
	if (script)
		fprintf(p->out, "<script>\n%s</script>\n", script);
	fputs("</body></html>\n", p->out);
	bool failed = ferror(p->out) != 0;
	if (fclose(p->out) != 0)
		failed = true;
	p->out = NULL;
	if (failed || rename(p->tmp, p->path) != 0) {
		int e = failed ? EIO : errno;
		snprintf(err, errcap, "%s: cannot write: %s", p->path, strerror(e));
		unlink(p->tmp);
		return -e;
	}
	return 0;
}

void html_page_abort(struct html_page *p)
{
	if (p->out) {
		fclose(p->out);
		p->out = NULL;
		unlink(p->tmp);
	}
}
