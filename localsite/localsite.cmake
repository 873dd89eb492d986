# SPDX-License-Identifier: Apache-2.0

# LocalSite: a small HTTP/1.1 server on the loopback interface and a made-up site it serves, shared
# by the network examples, the tests and the benchmarks (hence at the top of the tree). Include this file, then call localsite_add_to(<target>): it
# adds the sources to the target, the folder to its include path, and links Qt6::Network.
# Works from this tree and from a stand-alone example build alike.
include_guard(DIRECTORY)

# Captured now: inside the function, CMAKE_CURRENT_LIST_DIR is the caller's folder.
set(LOCALSITE_SOURCE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(localsite_add_to target)
    find_package(Qt6 REQUIRED COMPONENTS Core Network)
    target_sources(${target} PRIVATE
        "${LOCALSITE_SOURCE_DIR}/httpserver.h"
        "${LOCALSITE_SOURCE_DIR}/httpserver.cpp"
        "${LOCALSITE_SOURCE_DIR}/localsite.h"
        "${LOCALSITE_SOURCE_DIR}/localsite.cpp")
    target_include_directories(${target} PRIVATE "${LOCALSITE_SOURCE_DIR}")
    target_link_libraries(${target} PRIVATE Qt6::Core Qt6::Network)
    # The server and the site are QObjects.
    set_target_properties(${target} PROPERTIES AUTOMOC ON)
endfunction()
