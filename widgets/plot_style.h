#pragma once

#include <QColor>
#include <QString>

class QCustomPlot;

namespace lamina {

/// Publication look for every chart: sans-serif 10 pt labels, light grid, no box clutter.
void stylePlot(QCustomPlot* plot);

/// Colours used consistently across views (layer map, curves, heatmap outlines).
QColor attentionColor();
QColor ffnColor();
QColor removedColor();
QColor mergedColor();
/// The i-th colour of a qualitative palette (colour-blind safe, Okabe–Ito).
QColor seriesColor(int index);

/// Saves `plot` by the file's suffix: .png (at 3× the on-screen size, ~300 dpi for a
/// 1-column figure), .pdf or .svg (vector). Returns an empty string or the error.
QString savePlot(QCustomPlot* plot, const QString& file);

}  // namespace lamina
