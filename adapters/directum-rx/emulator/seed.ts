// What a fresh Directum of an administration already holds: the question classifier (a sample in
// the shape of the all-Russian thematic classifier of citizens' appeals, four-level codes; it holds
// every code the shipped mappings/directum-rx.yaml uses, so the demo registers), the
// applications that open version bodies, and a few employees with their persons.

export interface SeedQuestion {
  FullCode: string;
  Name: string;
}

export const SEED_QUESTIONS: SeedQuestion[] = [
  // Theme level (NNNN.NNNN.NNNN.0000): what a mapping falls back to when only the ПОС category is known.
  { FullCode: '0001.0001.0001.0000', Name: 'Прочие вопросы государственного и муниципального управления' },
  { FullCode: '0002.0006.0063.0000', Name: 'Образование' },
  { FullCode: '0002.0006.0066.0000', Name: 'Культура, физическая культура и спорт' },
  { FullCode: '0002.0007.0074.0000', Name: 'Здравоохранение' },
  { FullCode: '0002.0013.0141.0000', Name: 'Социальная защита населения' },
  { FullCode: '0003.0009.0098.0000', Name: 'Общественный транспорт' },
  { FullCode: '0003.0009.0099.0000', Name: 'Дорожное хозяйство' },
  { FullCode: '0003.0009.0100.0000', Name: 'Парковки и парковочные места' },
  { FullCode: '0003.0010.0104.0000', Name: 'Связь и телекоммуникации' },
  { FullCode: '0003.0011.0121.0000', Name: 'Охрана окружающей среды' },
  { FullCode: '0004.0016.0162.0000', Name: 'Общественная безопасность' },
  { FullCode: '0005.0005.0055.0000', Name: 'Благоустройство придомовых территорий' },
  { FullCode: '0005.0005.0056.0000', Name: 'Содержание жилищного фонда и коммунальные услуги' },
  { FullCode: '0005.0005.0057.0000', Name: 'Обращение с твёрдыми коммунальными отходами' },
  { FullCode: '0005.0005.0058.0000', Name: 'Электроснабжение' },
  { FullCode: '0005.0005.0059.0000', Name: 'Газификация' },
  // Question level.
  { FullCode: '0001.0002.0024.0101', Name: 'Работа органов местного самоуправления' },
  { FullCode: '0001.0002.0027.0123', Name: 'Обращения, заявления и жалобы граждан' },
  { FullCode: '0002.0006.0063.0250', Name: 'Устройство детей в дошкольные образовательные организации' },
  { FullCode: '0002.0006.0066.0270', Name: 'Строительство и содержание спортивных объектов' },
  { FullCode: '0002.0007.0074.0300', Name: 'Запись на приём к врачу, доступность медицинской помощи' },
  { FullCode: '0002.0013.0141.0400', Name: 'Меры социальной поддержки отдельных категорий граждан' },
  { FullCode: '0003.0009.0097.0685', Name: 'Уборка снега, опавших листьев, мусора и посторонних предметов' },
  { FullCode: '0003.0009.0097.0686', Name: 'Озеленение. Вырубка деревьев, кустарников. Создание зелёных зон' },
  { FullCode: '0003.0009.0098.0690', Name: 'Работа маршрутов общественного транспорта, расписание' },
  { FullCode: '0003.0009.0098.0691', Name: 'Остановочные пункты общественного транспорта' },
  { FullCode: '0003.0009.0099.0700', Name: 'Ямы и выбоины на дорогах' },
  { FullCode: '0003.0009.0099.0701', Name: 'Ремонт проезжей части автомобильных дорог местного значения' },
  { FullCode: '0003.0009.0099.0702', Name: 'Дорожная разметка и дорожные знаки' },
  { FullCode: '0003.0009.0100.0710', Name: 'Парковка на газонах и придомовой территории' },
  { FullCode: '0003.0010.0104.0750', Name: 'Качество мобильной связи' },
  { FullCode: '0003.0011.0121.0800', Name: 'Несанкционированные свалки' },
  { FullCode: '0004.0016.0162.0900', Name: 'Безнадзорные животные' },
  { FullCode: '0005.0005.0055.1140', Name: 'Содержание детских и спортивных площадок' },
  { FullCode: '0005.0005.0055.1141', Name: 'Уличное и дворовое освещение' },
  { FullCode: '0005.0005.0056.1150', Name: 'Отопление' },
  { FullCode: '0005.0005.0056.1151', Name: 'Ремонт кровли и фасада многоквартирного дома' },
  { FullCode: '0005.0005.0056.1152', Name: 'Водоснабжение и водоотведение' },
  { FullCode: '0005.0005.0056.1153', Name: 'Отсутствие отопления в жилом помещении' },
  { FullCode: '0005.0005.0057.1160', Name: 'Содержание контейнерных площадок' },
  { FullCode: '0005.0005.0057.1161', Name: 'Несвоевременный вывоз твёрдых коммунальных отходов' },
  { FullCode: '0005.0005.0058.1170', Name: 'Перебои в электроснабжении' },
  { FullCode: '0005.0005.0059.1180', Name: 'Подключение (технологическое присоединение) к газовым сетям' },
];

export const SEED_APPLICATIONS: { Name: string; Extension: string }[] = [
  { Name: 'Adobe Acrobat Reader', Extension: 'pdf' },
  { Name: 'Блокнот', Extension: 'txt' },
  { Name: 'Microsoft Word', Extension: 'docx' },
  { Name: 'Microsoft Word 97-2003', Extension: 'doc' },
  { Name: 'Microsoft Excel', Extension: 'xlsx' },
  { Name: 'Microsoft Excel 97-2003', Extension: 'xls' },
  { Name: 'Rich Text Format', Extension: 'rtf' },
  { Name: 'LibreOffice Writer', Extension: 'odt' },
  { Name: 'LibreOffice Calc', Extension: 'ods' },
  { Name: 'Просмотр изображений JPEG', Extension: 'jpg' },
  { Name: 'Просмотр изображений JPEG', Extension: 'jpeg' },
  { Name: 'Просмотр изображений PNG', Extension: 'png' },
  { Name: 'Просмотр изображений GIF', Extension: 'gif' },
  { Name: 'Просмотр изображений BMP', Extension: 'bmp' },
  { Name: 'Просмотр изображений TIFF', Extension: 'tif' },
  { Name: 'Просмотр изображений TIFF', Extension: 'tiff' },
  { Name: 'Просмотр изображений HEIC', Extension: 'heic' },
  { Name: 'Видеопроигрыватель', Extension: 'mp4' },
  { Name: 'Архиватор ZIP', Extension: 'zip' },
  { Name: 'Архиватор 7-Zip', Extension: '7z' },
  { Name: 'Архиватор RAR', Extension: 'rar' },
  { Name: 'Веб-браузер', Extension: 'html' },
  { Name: 'XML-документ', Extension: 'xml' },
  { Name: 'Двоичный файл', Extension: 'bin' },
];

export interface SeedEmployee {
  LastName: string;
  FirstName: string;
  MiddleName: string;
  JobTitle: string;
  Department: string;
  Email: string;
  Phone: string;
}

export const SEED_EMPLOYEES: SeedEmployee[] = [
  { LastName: 'Белова', FirstName: 'Елена', MiddleName: 'Андреевна', JobTitle: 'Главный специалист', Department: 'Отдел по работе с обращениями граждан', Email: 'belova@adm.example.ru', Phone: '+7 342 200-10-01' },
  { LastName: 'Козлов', FirstName: 'Игорь', MiddleName: 'Николаевич', JobTitle: 'Начальник отдела', Department: 'Управление благоустройства', Email: 'kozlov@adm.example.ru', Phone: '+7 342 200-10-02' },
  { LastName: 'Орлова', FirstName: 'Татьяна', MiddleName: 'Павловна', JobTitle: 'Заместитель главы администрации', Department: 'Руководство', Email: 'orlova@adm.example.ru', Phone: '+7 342 200-10-03' },
];
