#!/usr/bin/python3
"""scripts/kconfig.py in temporary folders: what it writes and what it refuses.

  kconfig_test.py SRC CASE

Run with /usr/bin/python3 (Debian's kconfiglib). Exit 0 when CASE passes.
"""
import os
import subprocess
import sys
import tempfile
import unittest

SRC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
KCONFIG = os.path.join(SRC, "scripts", "kconfig.py")
X86 = os.path.join(SRC, "configs", "x86_64_defconfig")
ARM64 = os.path.join(SRC, "configs", "arm64_defconfig")


def kconfig(*args):
    """Runs kconfig.py; returns (exit code, stdout + stderr)."""
    p = subprocess.run([sys.executable, KCONFIG, *args], capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


def read(path):
    with open(path) as f:
        return f.read()


def defines(header):
    """The macros pv_config.h defines, as {name: value}."""
    out = {}
    for line in read(header).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "#define":
            out[parts[1]] = parts[2]
    return out


class KconfigTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="pv-kconfig-")
        self.addCleanup(self.tmp.cleanup)

    def path(self, *parts):
        return os.path.join(self.tmp.name, *parts)

    def fragment(self, name, text):
        path = self.path(name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def defconfig(self, out, *files):
        return kconfig("defconfig", "--dir", self.path(out), *files)

    def assert_fails(self, result, *words):
        rc, out = result
        self.assertEqual(rc, 1, out)
        for w in words:
            self.assertIn(w, out)

    def test_defconfigs(self):
        rc, out = self.defconfig("x86", X86)
        self.assertEqual(rc, 0, out)
        self.assertEqual(defines(self.path("x86", "pv_config.h")), {
            "PV_CONFIG_ARCH_X86_64": "1",
            "PV_CONFIG_BACKEND_VMX": "1",
            "PV_CONFIG_BACKEND_SVM": "1",
            "PV_CONFIG_HAVE_BACKEND": "1",
            "PV_CONFIG_DIRECT_SYSCALL": "1",
            "PV_CONFIG_STATS": "1",
        })
        cmake = read(self.path("x86", "config.cmake"))
        self.assertIn('set(PV_TARGET_ARCH "x86_64")', cmake)
        self.assertIn("set(PV_CONFIG_BACKEND_ARM64_VHE OFF)", cmake)
        self.assertIn("set(PV_CONFIG_TRACING OFF)", cmake)

        rc, out = self.defconfig("arm64", ARM64)
        self.assertEqual(rc, 0, out)
        self.assertEqual(defines(self.path("arm64", "pv_config.h")), {
            "PV_CONFIG_ARCH_ARM64": "1",
            "PV_CONFIG_BACKEND_ARM64_VHE": "1",
            "PV_CONFIG_HAVE_BACKEND": "1",
            "PV_CONFIG_DIRECT_SYSCALL": "1",
            "PV_CONFIG_STATS": "1",
        })
        cmake = read(self.path("arm64", "config.cmake"))
        self.assertIn('set(PV_TARGET_ARCH "arm64")', cmake)
        self.assertIn("set(PV_CONFIG_BACKEND_VMX OFF)", cmake)
        self.assertIn("set(PV_CONFIG_BACKEND_SVM OFF)", cmake)

    def test_foreign_backend(self):
        frag = self.fragment("vhe.config", "PV_CONFIG_BACKEND_ARM64_VHE=y\n")
        self.assert_fails(self.defconfig("out", X86, frag),
                          "PV_CONFIG_BACKEND_ARM64_VHE=y did not stick")
        self.assertFalse(os.path.exists(self.path("out", "pv_config.h")))

    def test_unknown_symbol(self):
        frag = self.fragment("typo.config", "PV_CONFIG_BACKEND_KVM=y\n")
        self.assert_fails(self.defconfig("out", X86, frag), "BACKEND_KVM", "typo.config")
        self.assertFalse(os.path.exists(self.path("out", "pv_config.h")))

    def test_no_backend(self):
        frag = self.fragment("none.config",
                             "# PV_CONFIG_BACKEND_VMX is not set\n"
                             "# PV_CONFIG_BACKEND_SVM is not set\n")
        self.assert_fails(self.defconfig("out", X86, frag), "no backend")
        self.assertFalse(os.path.exists(self.path("out", "pv_config.h")))

    def test_svm_off(self):
        frag = self.fragment("no-svm.config", "# PV_CONFIG_BACKEND_SVM is not set\n")
        rc, out = self.defconfig("out", X86, frag)
        self.assertEqual(rc, 0, out)
        cmake = read(self.path("out", "config.cmake"))
        self.assertIn("set(PV_CONFIG_BACKEND_SVM OFF)", cmake)
        self.assertIn("set(PV_CONFIG_BACKEND_VMX ON)", cmake)
        macros = defines(self.path("out", "pv_config.h"))
        self.assertNotIn("PV_CONFIG_BACKEND_SVM", macros)
        self.assertIn("PV_CONFIG_BACKEND_VMX", macros)
        # olddefconfig keeps the edit.
        rc, out = kconfig("olddefconfig", "--dir", self.path("out"))
        self.assertEqual(rc, 0, out)
        self.assertIn("set(PV_CONFIG_BACKEND_SVM OFF)", read(self.path("out", "config.cmake")))

    def test_savedefconfig(self):
        frag = self.fragment("edits.config",
                             "# PV_CONFIG_BACKEND_SVM is not set\nPV_CONFIG_TRACING=y\n")
        rc, out = self.defconfig("a", X86, frag)
        self.assertEqual(rc, 0, out)
        saved = self.path("saved_defconfig")
        rc, out = kconfig("savedefconfig", "--dir", self.path("a"), saved)
        self.assertEqual(rc, 0, out)
        self.assertIn("PV_CONFIG_TRACING=y", read(saved))
        rc, out = self.defconfig("b", saved)
        self.assertEqual(rc, 0, out)
        for name in (".config", "pv_config.h", "config.cmake"):
            self.assertEqual(read(self.path("a", name)), read(self.path("b", name)), name)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    suite = unittest.defaultTestLoader.loadTestsFromName("test_" + sys.argv[2], KconfigTest)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    sys.exit(0 if result.wasSuccessful() and result.testsRun == 1 else 1)


if __name__ == "__main__":
    main()
