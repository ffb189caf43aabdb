/* SPDX-License-Identifier: BSD-3-Clause */
/* fsedgetpu: the Coral USB Accelerator's command line (drivers/edgetpu/etpu_tool.c). */
#include "edgetpu/edgetpu.h"

int main(int argc, char **argv)
{
	return etpu_tool_main(argc, argv);
}
