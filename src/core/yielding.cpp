// SPDX-FileCopyrightText: 2026 The AioUtils authors
// SPDX-License-Identifier: Apache-2.0

#include <AioUtils/bag.h>
#include <AioUtils/yielding.h>

namespace AioUtils {

Yielding::Yielding(Bag *bag) : m_bag(bag) { }

Yielding::Yielding(Yielding &&other) noexcept
    : m_bag(other.m_bag), m_current(std::move(other.m_current)), m_started(other.m_started),
      m_done(std::exchange(other.m_done, true))
{
}

Yielding::~Yielding()
{
    // Left before the end: close the generator. A range never iterated leaves the bag alone.
    if (m_started && !m_done && m_bag)
        m_bag->cancel();
}

Yielding::iterator Yielding::begin()
{
    if (!m_started) {
        m_started = true;
        advance();
    }
    return iterator(this);
}

void Yielding::advance()
{
    m_current.reset();
    if (m_done || !m_bag) {
        m_done = true;
        return;
    }
    try {
        m_current = m_bag->next();
    } catch (...) {
        m_done = true;
        throw;
    }
    if (!m_current)
        m_done = true;
}

} // namespace AioUtils
