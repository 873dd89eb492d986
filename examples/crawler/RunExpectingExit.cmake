# SPDX-License-Identifier: Apache-2.0

# cmake -DPROGRAM=<path> -DARGUMENT=<one argument> -DEXPECTED_EXIT=<code>
#       -DEXPECTED_STDERR=<regular expression> [-DONE_LINE=ON] -P RunExpectingExit.cmake
# Runs the program and passes if it exits with the expected code and its stderr matches, and with
# ONE_LINE, if stderr is that one line. (CTest alone cannot ask for one particular non-zero exit
# code.)
foreach(variable PROGRAM ARGUMENT EXPECTED_EXIT EXPECTED_STDERR)
    if(NOT DEFINED ${variable})
        message(FATAL_ERROR "RunExpectingExit.cmake: ${variable} is not set")
    endif()
endforeach()

execute_process(COMMAND "${PROGRAM}" "${ARGUMENT}"
    RESULT_VARIABLE exit_code
    OUTPUT_VARIABLE output
    ERROR_VARIABLE errors
    TIMEOUT 60)
message(STATUS "exit code ${exit_code}; stderr:\n${errors}")
if(NOT exit_code STREQUAL EXPECTED_EXIT)
    message(FATAL_ERROR "expected exit code ${EXPECTED_EXIT}, got ${exit_code}\nstdout:\n${output}")
endif()
if(NOT errors MATCHES "${EXPECTED_STDERR}")
    message(FATAL_ERROR "stderr does not match \"${EXPECTED_STDERR}\"")
endif()
if(ONE_LINE)
    string(STRIP "${errors}" stripped)
    if(stripped MATCHES "\n")
        message(FATAL_ERROR "stderr has more than one line")
    endif()
endif()
