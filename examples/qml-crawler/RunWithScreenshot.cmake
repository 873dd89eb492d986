# SPDX-FileCopyrightText: 2026 The AioUtils authors
# SPDX-License-Identifier: Apache-2.0

# cmake -DPROGRAM=<qml-crawler> -DSCREENSHOT=<file.png> [-DARGUMENTS="<arguments>"]
#       -P RunWithScreenshot.cmake
# Runs the program with its arguments and --screenshot <file.png>, and passes if it exits with 0
# and left a PNG image of more than 1 KB (a blank window is less).
foreach(variable PROGRAM SCREENSHOT)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "RunWithScreenshot.cmake: ${variable} is not set")
    endif()
endforeach()

separate_arguments(arguments UNIX_COMMAND "${ARGUMENTS}")
file(REMOVE "${SCREENSHOT}")
execute_process(COMMAND "${PROGRAM}" ${arguments} --screenshot "${SCREENSHOT}"
    RESULT_VARIABLE exit_code
    TIMEOUT 100)
if(NOT exit_code STREQUAL "0")
    message(FATAL_ERROR "${PROGRAM} exited with ${exit_code}")
endif()
if(NOT EXISTS "${SCREENSHOT}")
    message(FATAL_ERROR "no screenshot at ${SCREENSHOT}")
endif()
file(SIZE "${SCREENSHOT}" size)
file(READ "${SCREENSHOT}" signature LIMIT 8 HEX)
if(NOT signature STREQUAL "89504e470d0a1a0a")
    message(FATAL_ERROR "${SCREENSHOT} is not a PNG image (it starts with ${signature})")
endif()
if(size LESS_EQUAL 1024)
    message(FATAL_ERROR "${SCREENSHOT} has ${size} bytes: too small to show rows")
endif()
message(STATUS "screenshot ${SCREENSHOT}: ${size} bytes")
