# SPDX-License-Identifier: Apache-2.0

# Run by tst_install (cmake -P, see CMakeLists.txt). Proves the installed package stands alone:
#  1. cmake --install <AIOUTILS_BUILD_DIR> --prefix <WORK_DIR>/prefix, which must hold the TSan
#     suppressions (share/AioUtils/tsan.supp)
#  2. configures, builds and runs autotests/install/consumer (C++17) against that prefix, which
#     asks for the package's components (Core, and Network if the build has it)
#     and, if the build has AioUtils::Coro, autotests/install/coro-consumer (C++20, QCoro)
#  3. checks that a REQUIRED component the package lacks, and another 0.y version, fail to
#     configure
#  4. builds and runs examples/nested-loops, examples/generator and (with Network)
#     examples/crawler and (with Coro too) examples/coro-crawler (on their embedded site), with
#     tiny workloads
#  5. if the build installed the QML module: examples/qml-crawler and examples/qml-downloads
#     (--exercise), headless (QT_QPA_PLATFORM is offscreen), whose `import AioUtils` must come
#     from <prefix>/<libdir>/qml
# Every sub-project must find AioUtils in the prefix, not in the build tree or the system. They use
# the parent build's generator, compiler and flags: sanitizer builds need one runtime throughout.

foreach(var AIOUTILS_CMAKE AIOUTILS_BUILD_DIR AIOUTILS_SOURCE_DIR WORK_DIR GENERATOR)
    if("${${var}}" STREQUAL "")
        message(FATAL_ERROR "RunInstallTest.cmake needs -D${var}=...")
    endif()
endforeach()

set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(configArgs)
if(NOT "${CONFIG}" STREQUAL "")
    set(configArgs --config "${CONFIG}")
endif()

# run(<step> <command> <args>...): runs the command, its output going to the test's log.
function(run step)
    string(REPLACE ";" " " commandLine "${ARGN}")
    message(STATUS "tst_install: ${step}: ${commandLine}")
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "tst_install: ${step} failed (${result})")
    endif()
endfunction()

# build_and_run(<name> <source dir> <executable> <args>...): configures with the caller's
# ${extraArgs} too.
function(build_and_run name sourceDir executable)
    set(buildDir "${WORK_DIR}/${name}")
    set(configure "${AIOUTILS_CMAKE}" -S "${sourceDir}" -B "${buildDir}" -G "${GENERATOR}"
        "-DCMAKE_PREFIX_PATH=${prefix}"
        -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
        -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
        ${extraArgs})
    if(NOT "${CONFIG}" STREQUAL "")
        list(APPEND configure "-DCMAKE_BUILD_TYPE=${CONFIG}")
    endif()
    foreach(var CMAKE_MAKE_PROGRAM CMAKE_CXX_COMPILER CMAKE_CXX_FLAGS CMAKE_EXE_LINKER_FLAGS Qt6_DIR)
        if(NOT "${${var}}" STREQUAL "")
            list(APPEND configure "-D${var}=${${var}}")
        endif()
    endforeach()
    run("configure ${name}" ${configure})

    file(STRINGS "${buildDir}/CMakeCache.txt" found REGEX "^AioUtils_DIR:")
    string(REGEX REPLACE "^AioUtils_DIR:[A-Z]+=" "" found "${found}")
    cmake_path(IS_PREFIX prefix "${found}" NORMALIZE inPrefix)
    if(NOT inPrefix)
        message(FATAL_ERROR "tst_install: ${name} found AioUtils in '${found}', not in '${prefix}'")
    endif()

    run("build ${name}" "${AIOUTILS_CMAKE}" --build "${buildDir}" ${configArgs})

    foreach(candidate "${buildDir}/${executable}" "${buildDir}/${CONFIG}/${executable}"
                      "${buildDir}/${executable}.exe" "${buildDir}/${CONFIG}/${executable}.exe")
        if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
            run("run ${name}" "${candidate}" ${ARGN})
            return()
        endif()
    endforeach()
    message(FATAL_ERROR "tst_install: ${name} built no '${executable}' in ${buildDir}")
endfunction()

run("install" "${AIOUTILS_CMAKE}" --install "${AIOUTILS_BUILD_DIR}" --prefix "${prefix}" ${configArgs})
file(GLOB installedSupp "${prefix}/*/AioUtils/tsan.supp")
if(NOT installedSupp)
    message(FATAL_ERROR "tst_install: no <datadir>/AioUtils/tsan.supp in '${prefix}'")
endif()
if(NETWORK)
    set(consumerNetwork ON)
else()
    set(consumerNetwork OFF)
endif()
set(extraArgs "-DCONSUMER_WERROR=${WERROR}" "-DCONSUMER_NETWORK=${consumerNetwork}")
build_and_run(consumer "${AIOUTILS_SOURCE_DIR}/autotests/install/consumer" consumer)
set(extraArgs)

if(CORO)
    set(extraArgs "-DCONSUMER_WERROR=${WERROR}")
    build_and_run(coro-consumer "${AIOUTILS_SOURCE_DIR}/autotests/install/coro-consumer"
        coro-consumer)
    set(extraArgs)
else()
    message(STATUS "tst_install: no AioUtils::Coro installed; coro-consumer skipped")
endif()

# What must not configure: a REQUIRED component the package does not have, and a version of
# another 0.y (while at 0.x, each 0.y has its own ABI).
function(expect_configure_failure name findCall expectedOutput)
    set(sourceDir "${WORK_DIR}/${name}-src")
    file(WRITE "${sourceDir}/CMakeLists.txt"
        "cmake_minimum_required(VERSION 3.21)\nproject(${name} LANGUAGES CXX)\n${findCall}\n")
    execute_process(COMMAND "${AIOUTILS_CMAKE}" -S "${sourceDir}" -B "${WORK_DIR}/${name}"
            -G "${GENERATOR}" "-DCMAKE_PREFIX_PATH=${prefix}" "-DQt6_DIR=${Qt6_DIR}"
            -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF
        RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
    if(result EQUAL 0)
        message(FATAL_ERROR "tst_install: ${name}: '${findCall}' configured; it must fail")
    endif()
    if(NOT output MATCHES "${expectedOutput}")
        message(FATAL_ERROR "tst_install: ${name} failed without saying '${expectedOutput}':\n${output}")
    endif()
    message(STATUS "tst_install: ${name}: '${findCall}' fails, as it must")
endfunction()
expect_configure_failure(missing-component
    "find_package(AioUtils 0.1 CONFIG REQUIRED COMPONENTS Core NoSuchComponent)"
    "no component 'NoSuchComponent'")
expect_configure_failure(other-minor-version
    "find_package(AioUtils 0.0 CONFIG REQUIRED)" "compatible with requested version")

# Under ASan: the leaks of Qt's own making at exit are suppressed, as in the example-* tests (see
# examples/lsan.supp).
set(ENV{LSAN_OPTIONS}
    "suppressions=${AIOUTILS_SOURCE_DIR}/examples/lsan.supp:fast_unwind_on_malloc=0")
build_and_run(nested-loops "${AIOUTILS_SOURCE_DIR}/examples/nested-loops" nested-loops
    --outer 2 --inner 2 --ms 10 --pool 2)
build_and_run(generator "${AIOUTILS_SOURCE_DIR}/examples/generator" generator
    --count 4 --pool 2 --max-ms 20)
if(NETWORK)
    build_and_run(crawler "${AIOUTILS_SOURCE_DIR}/examples/crawler" crawler
        --site-pages 20 --concurrency 4)
    if(CORO)
        build_and_run(coro-crawler "${AIOUTILS_SOURCE_DIR}/examples/coro-crawler" coro-crawler
            --site-pages 20 --concurrency 4)
    endif()
else()
    message(STATUS "tst_install: no AioUtils::Network installed; crawler skipped")
endif()
file(GLOB installedQmldir "${prefix}/*/qml/AioUtils/qmldir" "${prefix}/*/*/qml/AioUtils/qmldir")
if(installedQmldir)
    # The example finds the module next to the package (AioUtils_DIR/../../qml), and only there:
    # neither the build tree's qml/ nor an import path from the environment.
    unset(ENV{QML_IMPORT_PATH})
    unset(ENV{QML2_IMPORT_PATH})
    set(screenshot "${WORK_DIR}/qml-crawler.png")
    build_and_run(qml-crawler "${AIOUTILS_SOURCE_DIR}/examples/qml-crawler" qml-crawler
        --site-pages 40 --concurrency 4 --auto-start --screenshot "${screenshot}")
    file(SIZE "${screenshot}" screenshotSize)
    if(screenshotSize LESS_EQUAL 1024)
        message(FATAL_ERROR "tst_install: the qml-crawler screenshot has ${screenshotSize} bytes")
    endif()
    build_and_run(qml-downloads "${AIOUTILS_SOURCE_DIR}/examples/qml-downloads" qml-downloads
        --exercise)
else()
    message(STATUS "tst_install: no QML module installed (AIOUTILS_BUILD_QML=OFF); "
                   "qml-crawler skipped")
endif()
message(STATUS "tst_install: passed")
