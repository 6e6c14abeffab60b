// PLACEHOLDER
#include "sluice/Object/Object.h"
