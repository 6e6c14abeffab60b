// PLACEHOLDER: replaced by the interpreter (in progress).
#include "sluice/Interp/InterpEngine.h"
namespace sluice {
std::unique_ptr<Engine> createInterpEngine() { return nullptr; }
}
