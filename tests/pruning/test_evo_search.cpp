// The evolutionary search's model-free pieces: masks keep their size under mutation, draws are
// what they say and the same seed draws the same.

#include <QtTest/QtTest>

#include <set>

#include "common/error.h"
#include "pruning/evo_search.h"

using namespace lamina;
using evo::Mask;

class TestEvoSearch : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A mutation exchanges removed units for kept ones: the count (the ratio) never changes,
    // and at most 2·swaps positions do.
    void mutationKeepsTheRatio() {
        evo::Rng rng(7);
        for (const int64_t n : {2, 10, 16, 32}) {
            for (int64_t k = 0; k <= n; k += std::max<int64_t>(1, n / 5)) {
                const Mask parent = evo::randomMask(n, k, rng);
                QCOMPARE(evo::removedCount(parent), k);
                for (int64_t swaps = 1; swaps <= 3; ++swaps) {
                    const Mask child = evo::mutate(parent, swaps, rng);
                    QCOMPARE(evo::removedCount(child), k);
                    int64_t changed = 0;
                    for (std::size_t i = 0; i < child.size(); ++i) changed += child[i] != parent[i] ? 1 : 0;
                    QVERIFY(changed <= 2 * swaps);
                    QVERIFY(changed % 2 == 0);
                }
            }
        }
        // With one unit removed of many, a single swap always moves it.
        const Mask one = evo::randomMask(10, 1, rng);
        QVERIFY(evo::mutate(one, 1, rng) != one);
    }

    // Uniform enough to reach every configuration: all C(5, 2) = 10 appear.
    void randomMasksCoverTheSpace() {
        evo::Rng rng(1);
        std::set<Mask> seen;
        for (int i = 0; i < 400; ++i) seen.insert(evo::randomMask(5, 2, rng));
        QCOMPARE(seen.size(), std::size_t{10});
        QVERIFY_THROWS_EXCEPTION(Error, evo::randomMask(3, 4, rng));
    }

    void drawsAreDeterministicAndInRange() {
        evo::Rng a(42), b(42);
        for (int i = 0; i < 50; ++i) {
            const std::vector<int64_t> w = evo::drawWindows(8, 2, a);
            QCOMPARE(w, evo::drawWindows(8, 2, b));
            QCOMPARE(w.size(), std::size_t{2});
            QVERIFY(w[0] < w[1] && w[0] >= 0 && w[1] < 8);
            const int64_t s = evo::drawSwaps(3, a);
            QCOMPARE(s, evo::drawSwaps(3, b));
            QVERIFY(s >= 1 && s <= 3);
        }
        QCOMPARE(evo::drawWindows(3, 5, a).size(), std::size_t{3});  // capped at the total
    }

    // EvoPress's rule k(n−k)/1.5: 32 sublayers, 8 removed → 128.
    void defaultGenerations() {
        QCOMPARE(evo::defaultGenerations(32, 8), int64_t{128});
        QCOMPARE(evo::defaultGenerations(16, 4), int64_t{32});
        QCOMPARE(evo::defaultGenerations(4, 4), int64_t{1});
    }
};

QTEST_APPLESS_MAIN(TestEvoSearch)
#include "test_evo_search.moc"
