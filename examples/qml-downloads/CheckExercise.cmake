# SPDX-FileCopyrightText: 2026 The AioUtils authors
# SPDX-License-Identifier: Apache-2.0

# cmake -DPROGRAM=<qml-downloads> -DSCREENSHOT=<file.png> -P CheckExercise.cmake
# Runs qml-downloads --exercise on its embedded site (24 files on two host names, per-host limit
# 2) and checks what it printed against what the site serves (a list with a comment, paths, CRLF,
# a line twice and two lines that are no URL): in the first pass, one slow file
# canceled while it ran, 7 failures (three 503s, two 404s, two bodies cut short) and 16 files;
# retried, the 503s and the canceled file come through (4) and the others fail again (4); the
# site never had more than 2 requests per host at once (4 in all); the screenshot is a PNG.
foreach(variable PROGRAM SCREENSHOT)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "CheckExercise.cmake: ${variable} is not set")
    endif()
endforeach()

file(REMOVE "${SCREENSHOT}")
execute_process(COMMAND "${PROGRAM}" --exercise --per-host 2 --concurrency 6
        --screenshot "${SCREENSHOT}"
    RESULT_VARIABLE exit_code
    OUTPUT_VARIABLE output
    TIMEOUT 100)
message(STATUS "${output}")
if(NOT exit_code STREQUAL "0")
    message(FATAL_ERROR "${PROGRAM} exited with ${exit_code}")
endif()
foreach(expected
        "canceled [0-9]+\\.bin while it ran"
        "first pass: 16 succeeded, 7 failed, 1 canceled"
        "retrying 8"
        "second pass: 4 succeeded, 4 failed, 0 canceled"
        "2 lines of the list are no http\\(s\\) URL")
    if(NOT output MATCHES "${expected}")
        message(FATAL_ERROR "the output has no line matching \"${expected}\"")
    endif()
endforeach()
if(NOT output MATCHES "at most ([0-9]+) requests at once")
    message(FATAL_ERROR "the output does not say how many requests the site saw at once")
endif()
if(CMAKE_MATCH_1 GREATER 4)
    message(FATAL_ERROR "the site saw ${CMAKE_MATCH_1} requests at once: more than 2 per host")
endif()
file(READ "${SCREENSHOT}" signature LIMIT 8 HEX)
if(NOT signature STREQUAL "89504e470d0a1a0a")
    message(FATAL_ERROR "${SCREENSHOT} is not a PNG image (it starts with ${signature})")
endif()
