// SPDX-License-Identifier: MIT
// Ends a Bochs run when ACPI power-off did not: the string "Shutdown"
// written to Bochs' shutdown port 0x8900.
#include <stdio.h>
#include <sys/io.h>

int main(void)
{
	const char* s = "Shutdown";
	if (ioperm(0x8900, 1, 1) != 0) {
		perror("ioperm");
		return 1;
	}
	while (*s)
		outb(*s++, 0x8900);
	return 0;
}
