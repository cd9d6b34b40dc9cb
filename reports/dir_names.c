/* dir_names.c - sorted, filtered directory listings (see dir_names.h). */
#include "reports/dir_names.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dir_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int dir_names(const char *dir, dir_names_keep keep, char ***ret_names, size_t *ret_n)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || (keep && !keep(dir, de->d_name)))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **grown = realloc(names, ncap * sizeof(*grown));
			if (!grown) {
				rc = -ENOMEM;
				break;
			}
			names = grown;
			cap = ncap;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (rc) {
		dir_names_free(names, n);
		return rc;
	}
	if (n)
		qsort(names, n, sizeof(*names), names_cmp);
	*ret_names = names;
	*ret_n = n;
	return 0;
}
