// PLACEHOLDER: replaced by the kernel engine (in progress).
#include "sluice/Kernel/KernelEngine.h"
namespace sluice {
std::unique_ptr<Engine> createKernelEngine() { return nullptr; }
std::string kernelUnavailableReason() { return "not built yet"; }
}
