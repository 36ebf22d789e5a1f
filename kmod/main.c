// SPDX-License-Identifier: GPL-2.0
/*
 * portvisor kernel module: the C shim. Registers /dev/portvisor and hands
 * everything else to the C++ core (core/) through core_api.h.
 */
#define pr_fmt(fmt) "portvisor: " fmt

#include <linux/cpuhotplug.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/syscore_ops.h>

#include "portvisor/core_api.h"
#include "platform_internal.h"
#include "uapi/portvisor.h"

static long pv_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (cmd == PV_CREATE_VM) {
		/* Direct syscalls run the 64-bit table: no VMs for 32-bit callers. */
		if (in_compat_syscall())
			return -ENOTTY;
		return pv_vm_create(arg);
	}
	return pv_core_dev_ioctl(cmd, (u64)arg);
}

/* CPU hotplug while VMs exist: the backend turns itself on and off there. */
static enum cpuhp_state pv_cpuhp_state;

static int pv_cpu_online(unsigned int cpu)
{
	return pv_core_cpu_online(cpu);
}

static int pv_cpu_offline(unsigned int cpu)
{
	pv_core_cpu_offline(cpu);
	return 0;
}

/*
 * Suspend: the other CPUs go offline through the hotplug callbacks above;
 * these run on the last one, interrupts off. After resume, EFER and the
 * host save area are set again if VMs exist.
 */
static int pv_syscore_suspend(void)
{
	unsigned int cpu = smp_processor_id();

	pv_core_cpu_offline(cpu);
	pr_info("suspend: virtualization off on CPU %u\n", cpu);
	return 0;
}

static void pv_syscore_resume(void)
{
	unsigned int cpu = smp_processor_id();

	pv_core_cpu_online(cpu);
	pr_info("resume: virtualization on again on CPU %u if VMs exist\n", cpu);
}

static struct syscore_ops pv_syscore_ops = {
	.suspend = pv_syscore_suspend,
	.resume = pv_syscore_resume,
};

/* Reboot or kexec with VMs alive: leave no CPU with the extension on. */
static void pv_reboot_cpu(void *unused)
{
	pv_core_cpu_offline(smp_processor_id());
}

static int pv_reboot(struct notifier_block *nb, unsigned long code, void *unused)
{
	on_each_cpu(pv_reboot_cpu, NULL, 1);
	return NOTIFY_OK;
}

static struct notifier_block pv_reboot_nb = {
	.notifier_call = pv_reboot,
};

static const struct file_operations pv_dev_fops = {
	.owner = THIS_MODULE, /* an open fd pins the module: rmmod gets EAGAIN */
	.unlocked_ioctl = pv_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice pv_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = PV_DEVICE_NAME,
	.fops = &pv_dev_fops,
	.mode = 0600,
};

static int __init pv_init(void)
{
	int ret = pv_core_init(); /* logs its own reason on failure */

	if (ret)
		goto out_report;
	pv_platform_syscalls_init();
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "portvisor:online", pv_cpu_online,
					pv_cpu_offline);
	if (ret < 0) {
		pr_err("cannot register for CPU hotplug: error %d\n", ret);
		pv_core_exit();
		goto out_report;
	}
	pv_cpuhp_state = ret;
	register_syscore_ops(&pv_syscore_ops);
	register_reboot_notifier(&pv_reboot_nb);
	ret = misc_register(&pv_misc);
	if (ret) {
		pr_err("cannot register %s: error %d\n", PV_DEVICE_PATH, ret);
		unregister_reboot_notifier(&pv_reboot_nb);
		unregister_syscore_ops(&pv_syscore_ops);
		cpuhp_remove_state_nocalls(pv_cpuhp_state);
		pv_core_exit();
		goto out_report;
	}
	pr_info("loaded: %s, backend %s, API version %d\n", PV_DEVICE_PATH,
		pv_core_backend_name(), PV_API_VERSION);
	return 0;

out_report:
	pv_platform_report_outstanding("load failed");
	return ret;
}

static void __exit pv_exit(void)
{
	misc_deregister(&pv_misc);
	unregister_reboot_notifier(&pv_reboot_nb);
	unregister_syscore_ops(&pv_syscore_ops);
	cpuhp_remove_state_nocalls(pv_cpuhp_state);
	pv_core_exit();
	pv_platform_report_outstanding("unloaded");
}

module_init(pv_init);
module_exit(pv_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("portvisor developers");
MODULE_DESCRIPTION("portvisor: direct host syscalls for application kernels in guest ring 0");
