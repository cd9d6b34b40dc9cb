# libgpiod, the system's or one in a private prefix, and which of its two
# APIs the build uses.
#
# PITEST_GPIOD_PREFIX  a directory filled by scripts/gpiod2-prefix.sh (a
#                      libgpiod 2.x next to the system's 1.6 dev package):
#                      its headers and library are used instead of the
#                      system's, the library found through the build rpath.
#
# Defines the target PkgConfig::LIBGPIOD (whichever way it was found) with
# PITEST_GPIOD_API=1 (libgpiod 1.x) or 2 (2.x) in its compile definitions,
# and PITEST_GPIOD_API in the caller's scope to pick harness/gpio_line_v*.c.

set(PITEST_GPIOD_PREFIX "" CACHE PATH
    "Private libgpiod prefix (scripts/gpiod2-prefix.sh DIR); empty = the system's")

if(PITEST_GPIOD_PREFIX)
  file(GLOB _gpiod_pc "${PITEST_GPIOD_PREFIX}/usr/lib/*/pkgconfig/libgpiod.pc"
                      "${PITEST_GPIOD_PREFIX}/usr/lib/pkgconfig/libgpiod.pc")
  if(NOT _gpiod_pc)
    message(FATAL_ERROR "PITEST_GPIOD_PREFIX=${PITEST_GPIOD_PREFIX}: no usr/lib/*/pkgconfig/libgpiod.pc "
                        "in it (fill it with scripts/gpiod2-prefix.sh ${PITEST_GPIOD_PREFIX})")
  endif()
  list(GET _gpiod_pc 0 _gpiod_pc)
  file(STRINGS "${_gpiod_pc}" _gpiod_version REGEX "^Version:")
  string(REGEX REPLACE "^Version:[ \t]*" "" LIBGPIOD_VERSION "${_gpiod_version}")
  # the .pc says prefix=/usr: its directories, moved under the prefix
  get_filename_component(_gpiod_libdir "${_gpiod_pc}" DIRECTORY)
  get_filename_component(_gpiod_libdir "${_gpiod_libdir}" DIRECTORY)
  unset(PITEST_GPIOD_LIBRARY CACHE)
  find_library(PITEST_GPIOD_LIBRARY NAMES gpiod PATHS "${_gpiod_libdir}" NO_DEFAULT_PATH)
  if(NOT PITEST_GPIOD_LIBRARY OR NOT EXISTS "${PITEST_GPIOD_PREFIX}/usr/include/gpiod.h")
    message(FATAL_ERROR "PITEST_GPIOD_PREFIX=${PITEST_GPIOD_PREFIX}: expected usr/include/gpiod.h and "
                        "libgpiod.so in ${_gpiod_libdir}")
  endif()
  add_library(PkgConfig::LIBGPIOD INTERFACE IMPORTED)
  set_target_properties(PkgConfig::LIBGPIOD PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${PITEST_GPIOD_PREFIX}/usr/include"
    # a full path: CMake puts its directory in the build rpath
    INTERFACE_LINK_LIBRARIES "${PITEST_GPIOD_LIBRARY}")
else()
  pkg_check_modules(LIBGPIOD REQUIRED IMPORTED_TARGET libgpiod)
endif()

if(LIBGPIOD_VERSION VERSION_GREATER_EQUAL 2.0)
  set(PITEST_GPIOD_API 2)
else()
  set(PITEST_GPIOD_API 1)
endif()
set_property(TARGET PkgConfig::LIBGPIOD APPEND PROPERTY
  INTERFACE_COMPILE_DEFINITIONS PITEST_GPIOD_API=${PITEST_GPIOD_API})
if(PITEST_GPIOD_PREFIX)
  message(STATUS "libgpiod ${LIBGPIOD_VERSION} (API ${PITEST_GPIOD_API}) from ${PITEST_GPIOD_PREFIX}")
else()
  message(STATUS "libgpiod ${LIBGPIOD_VERSION} (API ${PITEST_GPIOD_API})")
endif()
