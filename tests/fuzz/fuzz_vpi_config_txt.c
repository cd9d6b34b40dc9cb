/*
 * fuzz_vpi_config_txt.c - config.txt as the virtual board parses it, over
 * arbitrary bytes, with every model's filter list (plus none and a NULL
 * list). The input is copied into a buffer of exactly its size, so the
 * replay binary catches a read past `len` under ASan too. Checks: parse
 * returns 0, every string field is terminated inside its array, the
 * overlay count is in range and no overlay is empty, cmdline is never
 * empty, arm_64bit is -1/0/1, and the same input gives the same result.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures/vpi/vpi_config_txt.h"
#include "fixtures/vpi/vpi_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s)
{
	if (!memchr(s, '\0', VPI_CFG_NAME_MAX))
		__builtin_trap();
}

static void check(const struct vpi_config_txt *c)
{
	check_str(c->kernel);
	check_str(c->initramfs);
	check_str(c->os_prefix);
	check_str(c->start_file);
	check_str(c->fixup_file);
	check_str(c->device_tree);
	check_str(c->cmdline);
	if (!c->cmdline[0])
		__builtin_trap();
	if (c->arm_64bit < -1 || c->arm_64bit > 1)
		__builtin_trap();
	if (c->n_overlays > VPI_CFG_MAX_OVERLAYS)
		__builtin_trap();
	for (size_t i = 0; i < c->n_overlays; i++) {
		check_str(c->overlays[i]);
		if (!c->overlays[i][0] || strchr(c->overlays[i], ','))
			__builtin_trap();
	}
	/* initramfs without a name never sets followkernel */
	if (!c->initramfs[0] && c->initramfs_followkernel)
		__builtin_trap();
}

static void run(const char *text, size_t len, const char *const *filters)
{
	struct vpi_config_txt a, b;
	vpi_config_txt_defaults(&a);
	vpi_config_txt_defaults(&b);
	if (vpi_config_txt_parse(text, len, filters, &a) != 0)
		__builtin_trap();
	check(&a);
	if (vpi_config_txt_parse(text, len, filters, &b) != 0)
		__builtin_trap();
	if (memcmp(&a, &b, sizeof(a)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exactly `size` bytes: no NUL after them for the parser to lean on. */
	char *text = malloc(size ? size : 1);
	if (!text)
		return 0;
	if (size)
		memcpy(text, data, size);
	static const char *const none[] = { NULL };
	static const char *const many[] = { "pi4", "pi400", "cm4", "PI5", NULL };
	run(text, size, NULL);
	run(text, size, none);
	run(text, size, many);
	for (size_t i = 0; i < vpi_model_count(); i++)
		run(text, size, vpi_model_at(i)->cfg_filters);
	free(text);
	return 0;
}
