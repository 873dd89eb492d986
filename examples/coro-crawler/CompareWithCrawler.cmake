# SPDX-License-Identifier: Apache-2.0

# cmake -DCRAWLER=<crawler> -DCORO_CRAWLER=<coro-crawler> "-DARGUMENTS=<options>" -P this file
#
# Runs both crawlers on their embedded site with the same options and checks that they print the
# same pages (the same lines, in any order: the site is served on a new port each time, which is
# left out with its host name, 127.0.0.1 or localhost), that both exit with 0, and that the
# coroutine crawler entered no nested event loop.
foreach(var CRAWLER CORO_CRAWLER)
    if("${${var}}" STREQUAL "")
        message(FATAL_ERROR "CompareWithCrawler.cmake needs -D${var}=...")
    endif()
endforeach()
separate_arguments(arguments UNIX_COMMAND "${ARGUMENTS}")

# pages(<program> <out-var>): the page lines of the program's output, sorted, without the port.
function(pages program outVar)
    execute_process(COMMAND "${program}" ${arguments}
        RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE errors)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "${program} exited with ${result}:\n${output}\n${errors}")
    endif()
    string(REPLACE "\n" ";" lines "${output}")
    set(pageLines)
    foreach(line IN LISTS lines)
        # A page line: the status (or ERR), the size, the URL.
        if(line MATCHES "^([0-9][0-9][0-9]|ERR) +[0-9]+  http")
            # The site's quirks redirect to it under the name localhost too.
            string(REGEX REPLACE "http://(127\\.0\\.0\\.1|localhost):[0-9]+" "http://SITE"
                line "${line}")
            list(APPEND pageLines "${line}")
        endif()
    endforeach()
    list(SORT pageLines)
    set(${outVar} "${pageLines}" PARENT_SCOPE)
    set(${outVar}_OUTPUT "${output}" PARENT_SCOPE)
endfunction()

pages("${CRAWLER}" expected)
pages("${CORO_CRAWLER}" actual)
list(LENGTH expected count)
if(count EQUAL 0)
    message(FATAL_ERROR "the crawler printed no page:\n${expected_OUTPUT}")
endif()
if(NOT expected STREQUAL actual)
    string(REPLACE ";" "\n" expectedText "${expected}")
    string(REPLACE ";" "\n" actualText "${actual}")
    message(FATAL_ERROR "the crawlers printed different pages.\ncrawler:\n${expectedText}\n"
        "coro-crawler:\n${actualText}")
endif()
if(NOT actual_OUTPUT MATCHES "event loops: [0-9]+ checks, 0 inside a nested event loop")
    message(FATAL_ERROR "coro-crawler did not report 0 nested event loops:\n${actual_OUTPUT}")
endif()
message(STATUS "the same ${count} pages; no nested event loop")
