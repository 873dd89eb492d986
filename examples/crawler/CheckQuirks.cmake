# SPDX-License-Identifier: Apache-2.0

# cmake -DPROGRAM=<crawler> "-DARGUMENTS=<options>" -P CheckQuirks.cmake
# cmake -DOUTPUT_FILE=<a crawler's saved stdout> -P CheckQuirks.cmake
#
# Runs a crawler on its embedded site (or reads what one printed) and checks that it got each of
# the site's quirks right (/quirks/, see localsite/localsite.cpp): redirects, another host name,
# 203 and 204, 429 and 503 retried, links only from HTML and only from href, character
# references, and one line per page however its URL is spelled. Only stdout is read, one page a
# line: "<status or ERR> <bytes>  <URL after redirects>  <title or error>". Every expectation that
# fails is named; then the test fails listing them all, with the whole output.
if(DEFINED OUTPUT_FILE)
    file(READ "${OUTPUT_FILE}" output)
else()
    if("${PROGRAM}" STREQUAL "")
        message(FATAL_ERROR "CheckQuirks.cmake needs -DPROGRAM=... (or -DOUTPUT_FILE=...)")
    endif()
    separate_arguments(arguments UNIX_COMMAND "${ARGUMENTS}")
    execute_process(COMMAND "${PROGRAM}" ${arguments}
        RESULT_VARIABLE exit_code OUTPUT_VARIABLE output ERROR_VARIABLE errors TIMEOUT 100)
    if(NOT exit_code STREQUAL "0")
        # Printed as it is (a FATAL_ERROR message is reflowed).
        message("stdout:\n${output}\nstderr:\n${errors}")
        message(FATAL_ERROR "${PROGRAM} ${ARGUMENTS} exited with ${exit_code}")
    endif()
endif()

# The page lines. ANSI escapes go first, and in each line whatever comes before a carriage
# return, in case progress ever reaches stdout. Then the characters that CMake lists treat
# specially (';', '[', ']') are replaced, so that each line is one list element.
string(ASCII 27 escape)
string(REGEX REPLACE "${escape}\\[[0-9;?]*[A-Za-z]" "" text "${output}")
string(REPLACE "\r\n" "\n" text "${text}")
string(REPLACE ";" "<semicolon>" text "${text}")
string(REPLACE "[" "<lbracket>" text "${text}")
string(REPLACE "]" "<rbracket>" text "${text}")
string(REPLACE "\n" ";" rawLines "${text}")
set(lines "")
foreach(line IN LISTS rawLines)
    string(REGEX REPLACE "^.*\r" "" line "${line}")
    if(line MATCHES "^([0-9][0-9][0-9]|ERR) +[0-9]+  http")
        list(APPEND lines "${line}")
    endif()
endforeach()

set(failures "")
# lines_matching(<regex> <out-var>): the page lines that match.
function(lines_matching regex outVar)
    set(found "")
    foreach(line IN LISTS lines)
        if(line MATCHES "${regex}")
            list(APPEND found "${line}")
        endif()
    endforeach()
    set(${outVar} "${found}" PARENT_SCOPE)
endfunction()
# expect(<what> <regex> <min> [<max>]): between min and max page lines (max: no limit if absent)
# match the regex; else a failure that says what.
function(expect what regex min)
    lines_matching("${regex}" found)
    list(LENGTH found count)
    set(max ${ARGN})
    if(count LESS min OR (NOT "${max}" STREQUAL "" AND count GREATER max))
        if("${max}" STREQUAL "")
            set(wanted "at least ${min}")
        elseif(min EQUAL max)
            set(wanted "${min}")
        else()
            set(wanted "${min} to ${max}")
        endif()
        string(REPLACE ";" "\n    " shown "${found}")
        string(REPLACE "<semicolon>" ";" shown "${shown}")
        string(REPLACE "<lbracket>" "[" shown "${shown}")
        string(REPLACE "<rbracket>" "]" shown "${shown}")
        set(message "${what}: ${wanted} line(s) matching '${regex}', found ${count}")
        if(count GREATER 0)
            string(APPEND message ":\n    ${shown}")
        endif()
        message(STATUS "FAILED: ${message}")
        set(failures "${failures}\n  - ${message}" PARENT_SCOPE)
    endif()
endfunction()

# A line's URL is followed by two spaces (then the title, maybe empty).
set(site "http://127\\.0\\.0\\.1:[0-9]+")
set(any_host "http://[^ ]+")
set(ok "^200 +[0-9]+  ")

list(LENGTH lines page_count)
if(page_count EQUAL 0)
    set(failures "${failures}\n  - no page line at all")
endif()

expect("the quirks index, its title decoded" "${ok}${site}/quirks/  Quirks — & more$" 1 1)

# A directory without its slash: 301, and relative links resolve against the URL after it.
expect("the manual's intro, resolved after the 301"
    "${ok}${site}/quirks/manual/intro\\.html  Intro$" 1 1)
expect("the manual's setup page, resolved after the 301"
    "${ok}${site}/quirks/manual/setup\\.html  Setup$" 1 1)
expect("no intro.html resolved against the URL before the 301"
    "  ${any_host}/quirks/intro\\.html  " 0 0)
expect("no setup.html resolved against the URL before the 301"
    "  ${any_host}/quirks/setup\\.html  " 0 0)
expect("the manual once, under its URL after the 301" "  ${any_host}/quirks/manual/  " 1 1)
expect("no line for the redirect itself (/quirks/manual)" "  ${any_host}/quirks/manual  " 0 0)

# A redirect to another host name: the page is printed under it, its links are another site's.
expect("the landing page once, on localhost" "${ok}http://localhost:[0-9]+/quirks/landing  " 1 1)
expect("no line for the redirect itself (/quirks/away)" "  ${any_host}/quirks/away  " 0 0)
expect("no link followed from the other host" "landing-link" 0 0)

# Successes that are not 200.
expect("203 for /quirks/non-authoritative"
    "^203 +[0-9]+  ${site}/quirks/non-authoritative  Non-authoritative$" 1 1)
expect("204 for /quirks/empty" "^204 +0  ${site}/quirks/empty  $" 1 1)

# 429 (with Retry-After) and 503 the first time: retried, they are pages.
expect("/quirks/busy retried after its 429" "${ok}${site}/quirks/busy  Busy no more$" 1 1)
expect("/quirks/busy once" "  ${any_host}/quirks/busy  " 1 1)
expect("/quirks/flaky retried after its 503" "${ok}${site}/quirks/flaky  Flaky no more$" 1 1)
expect("/quirks/flaky once" "  ${any_host}/quirks/flaky  " 1 1)

# Links only from href in HTML: not from JSON, comments or data-href.
expect("the JSON file itself" "${ok}${site}/quirks/data\\.json  " 1 1)
expect("no link taken from JSON" "  ${any_host}/quirks/from-json  " 0 0)
expect("no link taken from a comment" "  ${any_host}/quirks/commented  " 0 0)
expect("no link taken from data-href" "  ${any_host}/quirks/data-href  " 0 0)
expect("the href next to data-href" "${ok}${site}/quirks/real  real$" 1 1)

# A character reference in the query (&#038;).
expect("the query decoded" "${ok}${site}/quirks/q\\?a=1&lang=en  Query ok$" 1 1)
expect("/quirks/q once" "  ${any_host}/quirks/q(\\?[^ ]*)?  " 1 1)

# One page, several spellings: one line each.
expect("the ü page" "${ok}${site}/quirks/(%C3%BC|ü)  ü page$" 1 1)
expect("the ü page once, in any spelling" "  ${any_host}/quirks/(%[Cc]3%[Bb][Cc]|ü)  " 1 1)
expect("the tilde page" "${ok}${site}/quirks/~tilde  Tilde$" 1 1)
expect("the tilde page once, in any spelling" "  ${any_host}/quirks/(~|%7[Ee])tilde  " 1 1)
expect("the space page" "${ok}${site}/quirks/a( |%20)b  Space$" 1 1)
expect("the space page once, in any spelling" "  ${any_host}/quirks/a( |%20)b  " 1 1)

if(NOT failures STREQUAL "")
    # The output as it is (a FATAL_ERROR message is reflowed), then the failures.
    if(DEFINED OUTPUT_FILE)
        message("${OUTPUT_FILE}:\n${output}")
    else()
        message("stdout:\n${output}\nstderr:\n${errors}")
    endif()
    message(FATAL_ERROR "the crawler got some quirks wrong:${failures}")
endif()
message(STATUS "every quirk right (${page_count} pages)")
