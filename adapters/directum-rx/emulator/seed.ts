// What a fresh Directum of an administration already holds: the question classifier (a sample of
// the standard all-Russian thematic classifier of citizens' appeals, four-level codes), the
// applications that open version bodies, and a few employees with their persons.

export interface SeedQuestion {
  FullCode: string;
  Name: string;
}

export const SEED_QUESTIONS: SeedQuestion[] = [
  { FullCode: '0001.0001.0001.0001', Name: 'Конституционный строй' },
  { FullCode: '0001.0002.0024.0101', Name: 'Работа органов местного самоуправления' },
  { FullCode: '0001.0002.0027.0123', Name: 'Обращения, заявления и жалобы граждан' },
  { FullCode: '0002.0004.0043.0234', Name: 'Социальное обеспечение и социальное страхование' },
  { FullCode: '0002.0004.0044.0247', Name: 'Материальная помощь многодетным, малоимущим, в связи с трудной жизненной ситуацией' },
  { FullCode: '0002.0006.0063.0293', Name: 'Организация деятельности дошкольных образовательных организаций' },
  { FullCode: '0002.0006.0064.0302', Name: 'Организация деятельности общеобразовательных организаций' },
  { FullCode: '0002.0007.0074.0363', Name: 'Оказание медицинской помощи' },
  { FullCode: '0002.0013.0138.0396', Name: 'Физическая культура и спорт' },
  { FullCode: '0003.0008.0086.0551', Name: 'Транспортное обслуживание населения, пассажирские перевозки' },
  { FullCode: '0003.0008.0086.0552', Name: 'Работа общественного транспорта. Маршруты и расписание' },
  { FullCode: '0003.0009.0097.0683', Name: 'Комплексное благоустройство' },
  { FullCode: '0003.0009.0097.0684', Name: 'Благоустройство и ремонт подъездных дорог, в том числе тротуаров' },
  { FullCode: '0003.0009.0097.0685', Name: 'Уборка снега, опавших листьев, мусора и посторонних предметов' },
  { FullCode: '0003.0009.0097.0686', Name: 'Озеленение. Вырубка деревьев, кустарников. Создание зелёных зон' },
  { FullCode: '0003.0009.0097.0688', Name: 'Уличное освещение' },
  { FullCode: '0003.0009.0097.0690', Name: 'Содержание детских и спортивных площадок' },
  { FullCode: '0003.0009.0097.0692', Name: 'Парковки и парковочные места' },
  { FullCode: '0003.0009.0099.0701', Name: 'Ремонт и содержание автомобильных дорог местного значения' },
  { FullCode: '0003.0011.0122.0843', Name: 'Охрана окружающей среды. Загрязнение воздуха, воды, почвы' },
  { FullCode: '0005.0005.0054.1118', Name: 'Капитальный ремонт общего имущества многоквартирного дома' },
  { FullCode: '0005.0005.0055.1122', Name: 'Оплата жилищно-коммунальных услуг, взносов в фонд капитального ремонта' },
  { FullCode: '0005.0005.0056.1135', Name: 'Содержание общего имущества многоквартирного дома' },
  { FullCode: '0005.0005.0056.1142', Name: 'Предоставление коммунальных услуг ненадлежащего качества' },
  { FullCode: '0005.0005.0056.1151', Name: 'Вывоз твёрдых коммунальных отходов, контейнерные площадки' },
  { FullCode: '0005.0005.0056.1153', Name: 'Управляющие организации, товарищества собственников жилья' },
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
