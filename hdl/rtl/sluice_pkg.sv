// sluice_pkg: the names of sluice_defs.svh as a package, for port widths
// (sluice_pkg::WIN_VEC); module bodies include sluice_defs.svh themselves.
package sluice_pkg;
`include "sluice_defs.svh"
endpackage
