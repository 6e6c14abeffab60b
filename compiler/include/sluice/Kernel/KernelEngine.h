//===- sluice/Kernel/KernelEngine.h - The `kernel` engine -----------------===//
#pragma once
#include <memory>
#include "sluice/Engine/Engine.h"
namespace sluice {
/// The running kernel through BPF_PROG_TEST_RUN. load() fails with a clear
/// reason where BPF is not available (not root, no CAP_BPF, ...).
std::unique_ptr<Engine> createKernelEngine();
/// Empty when this process can load XDP programs into the kernel and run
/// them with BPF_PROG_TEST_RUN, else the reason it cannot.
std::string kernelUnavailableReason();
}
