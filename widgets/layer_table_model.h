#pragma once

#include <QAbstractTableModel>

#include "model/model_summary.h"

namespace lamina {

/// One row per decoder block: parameter counts of its attention and FFN sublayers and the
/// block's share of the whole model. Read-only view over a `ModelSummary`.
class LayerTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Block, AttnParams, MlpParams, BlockParams, Share, ColumnCount };

    explicit LayerTableModel(QObject* parent = nullptr);

    void setSummary(const ModelSummary& summary);
    const ModelSummary& summary() const { return mSummary; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

private:
    ModelSummary mSummary;
};

}  // namespace lamina
