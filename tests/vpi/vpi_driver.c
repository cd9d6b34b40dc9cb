/*
 * vpi_driver.c - runs the virtual board alone (`vpi_driver --model ...`),
 * for the integration tests until `pitest vpi` dispatches to vpi_main.
 */
#include "fixtures/vpi/vpi.h"

int main(int argc, char **argv)
{
	argv[0] = "vpi";
	return vpi_main(argc, argv);
}
