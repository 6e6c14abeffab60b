//===- sluice/Object/BpfDefs.h - eBPF constants newer than the system headers ===//
//
// Debian bookworm's linux/bpf.h predates the cpu=v4 instructions clang-19
// emits; the values here are the kernel's (include/uapi/linux/bpf.h, 6.6+).
//
//===----------------------------------------------------------------------===//
#pragma once

#include <linux/bpf.h>

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80 // sign-extending load (ldsx)
#endif
#ifndef BPF_JCOND
#define BPF_JCOND 0xe0 // may_goto
#endif
