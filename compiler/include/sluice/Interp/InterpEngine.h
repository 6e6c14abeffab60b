//===- sluice/Interp/InterpEngine.h - The `interp` engine -----------------===//
#pragma once
#include <memory>
#include "sluice/Engine/Engine.h"
namespace sluice {
std::unique_ptr<Engine> createInterpEngine();
}
