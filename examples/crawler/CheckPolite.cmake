# SPDX-License-Identifier: Apache-2.0

# cmake -DPROGRAM=<crawler> "-DARGUMENTS=<arguments>" -DPER_HOST=<n> -DRATE=<r> -P CheckPolite.cmake
# Runs a crawler with --per-host PER_HOST --rate RATE on its embedded site and passes if it exits
# with 0, the site saw at most PER_HOST requests at once (the server's own count), and the crawl
# took at least as long as RATE allows: N pages start (N - 1) / RATE seconds apart at the least.
foreach(variable PROGRAM ARGUMENTS PER_HOST RATE)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "CheckPolite.cmake: ${variable} is not set")
    endif()
endforeach()

separate_arguments(arguments UNIX_COMMAND "${ARGUMENTS}")
execute_process(COMMAND "${PROGRAM}" ${arguments} --per-host ${PER_HOST} --rate ${RATE}
    RESULT_VARIABLE exit_code
    OUTPUT_VARIABLE output
    ERROR_VARIABLE errors
    TIMEOUT 100)
if(NOT exit_code STREQUAL "0")
    message(FATAL_ERROR "exit code ${exit_code}\nstdout:\n${output}\nstderr:\n${errors}")
endif()
if(NOT output MATCHES "done: ([0-9]+) pages")
    message(FATAL_ERROR "no summary in the output:\n${output}")
endif()
set(pages ${CMAKE_MATCH_1})
if(NOT output MATCHES "the site served ([0-9]+) requests, at most ([0-9]+) at once")
    message(FATAL_ERROR "the site's counts are missing:\n${output}")
endif()
set(most ${CMAKE_MATCH_2})
if(most GREATER PER_HOST)
    message(FATAL_ERROR "the site saw ${most} requests at once, more than --per-host ${PER_HOST}")
endif()
# "wall time    1.58 s": in hundredths of a second.
if(NOT output MATCHES "wall time +([0-9]+)\\.([0-9][0-9]) s")
    message(FATAL_ERROR "no wall time in the output:\n${output}")
endif()
math(EXPR wall_ms "(${CMAKE_MATCH_1} * 100 + ${CMAKE_MATCH_2}) * 10")
math(EXPR least_ms "(${pages} - 1) * 1000 / ${RATE}")
if(wall_ms LESS least_ms)
    message(FATAL_ERROR "${pages} pages in ${wall_ms} ms: faster than --rate ${RATE} allows "
        "(${least_ms} ms)")
endif()
message(STATUS "${pages} pages in ${wall_ms} ms (at least ${least_ms}), at most ${most} at once")
