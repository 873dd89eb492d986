# SPDX-License-Identifier: Apache-2.0

# The defines that keep the code honest, and warnings (errors with AIOUTILS_WERROR), for the
# project's own targets. Users of the installed package never see these.
#
#   aioutils_set_build_flags(<target> [THIRD_PARTY_CONTEXTLESS_CONNECT])
#
# QT_NO_CONTEXTLESS_CONNECT (enforced from Qt 6.7 on) refuses a connect() to a functor without a
# context object. THIRD_PARTY_CONTEXTLESS_CONNECT leaves it out for a target that includes
# headers of another project making such connections (QCoro's qcorofuture.h does).
function(aioutils_set_build_flags target)
    cmake_parse_arguments(PARSE_ARGV 1 arg "THIRD_PARTY_CONTEXTLESS_CONNECT" "" "")
    target_compile_definitions(${target} PRIVATE
        QT_NO_KEYWORDS QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_FOREACH
        QT_NO_URL_CAST_FROM_STRING QT_NO_NARROWING_CONVERSIONS_IN_CONNECT QT_STRICT_ITERATORS)
    if(NOT arg_THIRD_PARTY_CONTEXTLESS_CONNECT)
        target_compile_definitions(${target} PRIVATE QT_NO_CONTEXTLESS_CONNECT)
    endif()
    if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
        target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic
            -Wnon-virtual-dtor -Wcast-align -Woverloaded-virtual -Wshadow=local)
        if(AIOUTILS_WERROR)
            target_compile_options(${target} PRIVATE -Werror)
        endif()
    endif()
endfunction()
